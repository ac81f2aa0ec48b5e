//! A ceiling on the memory the her2sim process allocates (`--max-memory-gb`).
//!
//! Past the ceiling an allocation fails instead of growing the process until the kernel's
//! OOM killer ends it (or something else on the machine). Fallible allocations — the sparse
//! LU's factors, which can fill in far beyond the Jacobian on some networks, use
//! `try_reserve` — then become clear errors; any other failed allocation aborts with Rust's
//! allocation-failure message. Written here because it is a dozen lines over `System`; the
//! cost is one relaxed atomic add per allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The process's allocator: `System` with a byte budget.
pub struct Budgeted;

static USED: AtomicUsize = AtomicUsize::new(0);
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Sets the ceiling in GB; 0 means 80 % of the machine's physical memory (or no ceiling when
/// that is unknown).
pub fn set_limit_gb(gb: f64) -> anyhow::Result<()> {
    if !(gb.is_finite() && gb >= 0.0) {
        anyhow::bail!("--max-memory-gb must be a finite number >= 0, got {gb}");
    }
    let bytes = if gb > 0.0 {
        (gb * 1e9).min(usize::MAX as f64) as usize
    } else {
        physical_memory().map_or(usize::MAX, |m| m / 5 * 4)
    };
    LIMIT.store(bytes, Ordering::Relaxed);
    Ok(())
}

/// The ceiling in bytes (`usize::MAX` when there is none).
pub fn limit_bytes() -> usize {
    LIMIT.load(Ordering::Relaxed)
}

/// MemTotal from /proc/meminfo, in bytes.
fn physical_memory() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// Reserves `size` bytes of the budget; false if that would pass the ceiling.
fn take(size: usize) -> bool {
    let before = USED.fetch_add(size, Ordering::Relaxed);
    if before.saturating_add(size) > LIMIT.load(Ordering::Relaxed) {
        USED.fetch_sub(size, Ordering::Relaxed);
        return false;
    }
    true
}

fn give_back(size: usize) {
    USED.fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: every call forwards to `System` with the caller's layout unchanged; the budget only
// decides whether to forward, and returning null is how an allocator reports failure.
unsafe impl GlobalAlloc for Budgeted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !take(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc(layout);
        if p.is_null() {
            give_back(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !take(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc_zeroed(layout);
        if p.is_null() {
            give_back(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        give_back(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !take(new_size - old) {
            return std::ptr::null_mut();
        }
        let p = System.realloc(ptr, layout, new_size);
        if p.is_null() {
            if new_size > old {
                give_back(new_size - old);
            }
        } else if new_size < old {
            give_back(old - new_size);
        }
        p
    }
}
