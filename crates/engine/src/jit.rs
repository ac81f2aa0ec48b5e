//! Native code for the hot model evaluations: this module owns compiling a model's assignment
//! program, state derivatives and Jacobian coefficients to machine code with Cranelift, and
//! the executable memory that code lives in.
//!
//! Three kernels per model, all with the signature
//! `extern "C" fn(input: *const f64, output: *mut f64, locked: *const u8, use_locked: i32, t: f64)`:
//!
//! - `load` ([`NativeRhs::load`]): writes the state `y` (input) into its slots of `v`
//!   (output), then runs the assignment program on `v`: what `runtime::load` does.
//! - `derivatives` ([`NativeRhs::derivatives`]): reads `v` (input), writes `dy` (output):
//!   what `runtime::derivatives` does without fast reactions.
//! - `coefficients` ([`NativeCoefficients`]): reads `v`, writes every partial derivative of a
//!   [`JacobianProgram`](crate::jacobian::JacobianProgram) in the order its `accumulate` reads
//!   them (program partials in order, then state-row partials), for the Jacobian and the
//!   sensitivity right-hand side (∂f/∂p columns). The chain rule itself stays in Rust.
//!
//! Semantics are the interpreter's ([`CExpr::eval`]), bit for bit:
//!
//! - Every node is pure here (no `delay`, no `rateOf`: models with them keep the
//!   interpreter), so operands are all evaluated and the result selected (`select`) where the
//!   interpreter short-circuits (`piecewise`, `and`, relational chains): the same values,
//!   with no control flow, so the whole kernel is one basic block. Identical sub-expressions
//!   over identical values are computed once (value numbering on the Cranelift values).
//! - Sums and products keep the interpreter's left-to-right order (`Iterator::sum` starts
//!   from `-0.0` or `0.0` depending on the standard library, probed once), `max`/`min` fold
//!   from ∓∞ through `f64::max`/`f64::min`, relationals use Cranelift's ordered comparisons
//!   (`!=` unordered), as Rust's operators do.
//! - Functions (`pow`, `exp`, `ln`, trigonometry, `root`, ...) are calls to `extern "C"`
//!   wrappers around the same Rust functions the interpreter calls. `CExpr` holds Rust-ABI
//!   function pointers, which native code must not call; each one is matched to its wrapper
//!   by its operator and checked against it on probe values at compile time, so a function
//!   the table does not know (or that drifted) makes the model fall back, never miscompute.
//! - `Switch` nodes read the solver step's locked relationals when `use_locked` is set (the
//!   interpreter's `Ctx::locked`), else evaluate the relational.
//!
//! Anything not covered (delay, rateOf, fast reactions, unknown functions) makes
//! [`NativeRhs::compile`] / [`NativeCoefficients::compile`] return `None`, and the caller
//! keeps the interpreter; so does any Cranelift error. Nothing is printed.
//!
//! Safety: the only `unsafe` is taking a finished kernel's address as a function pointer,
//! calling it, and freeing its module's memory. Each call site checks every buffer's length
//! against what the kernel was compiled for (slots, states, coefficients, switches) before
//! the call and otherwise declines (the caller then interprets). The code memory belongs to
//! a `JITModule` owned by the kernel's struct, freed when that struct drops (or, for a
//! module whose compilation failed half-way, when it is abandoned); kernels are only
//! reachable through `&self`, so no call outlives their code.

use crate::compile::Compiled;
use crate::eval::CExpr;

/// The state-derivative kernels of a model, compiled to native code.
pub struct NativeRhs {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    imp: imp::Rhs,
}

/// The partial-derivative coefficients of a Jacobian program, compiled to native code.
pub struct NativeCoefficients {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    imp: imp::Coefficients,
}

impl std::fmt::Debug for NativeRhs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NativeRhs")
    }
}

impl std::fmt::Debug for NativeCoefficients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NativeCoefficients")
    }
}

/// True unless `HER2SIM_INTERPRETER=1` asks for the interpreter everywhere.
pub fn enabled_by_environment() -> bool {
    !std::env::var("HER2SIM_INTERPRETER").is_ok_and(|v| v == "1")
}

/// Whether the model's right-hand side can be compiled at all (before trying).
fn model_supported(c: &Compiled) -> bool {
    c.fast_rows.is_empty()
        && c.fast_scale.is_none()
        && !c.has_delay
        && !c.model.reactions.iter().any(|r| r.fast)
}

impl NativeRhs {
    /// Compiles `load` and `derivatives` for the model, or `None` (interpreter).
    pub fn compile(c: &Compiled) -> Option<NativeRhs> {
        if !model_supported(c) {
            return None;
        }
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            imp::Rhs::compile(c).map(|imp| NativeRhs { imp })
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        {
            None
        }
    }

    /// As `runtime::load` (not before the start). Returns false, changing nothing, when a
    /// buffer does not have the compiled length: the caller then interprets.
    pub fn load(&self, v: &mut [f64], t: f64, y: &[f64], locked: Option<&[bool]>) -> bool {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            self.imp.load(v, t, y, locked)
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        {
            let _ = (v, t, y, locked);
            false
        }
    }

    /// As `runtime::derivatives` without `fast_only`; false when a length does not match.
    pub fn derivatives(&self, v: &[f64], t: f64, locked: Option<&[bool]>, dy: &mut [f64]) -> bool {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            self.imp.derivatives(v, t, locked, dy)
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        {
            let _ = (v, t, locked, dy);
            false
        }
    }
}

impl NativeCoefficients {
    /// Compiles the values of `exprs` (written to `out[k]` in order), or `None`.
    pub fn compile(c: &Compiled, exprs: &[&CExpr]) -> Option<NativeCoefficients> {
        if !model_supported(c) {
            return None;
        }
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            imp::Coefficients::compile(c, exprs).map(|imp| NativeCoefficients { imp })
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        {
            let _ = exprs;
            None
        }
    }

    /// How many values [`evaluate`](Self::evaluate) writes.
    pub fn len(&self) -> usize {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            self.imp.n_out
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        {
            0
        }
    }

    /// Evaluates every coefficient at the slots `v`; false when a length does not match.
    pub fn evaluate(&self, v: &[f64], t: f64, locked: Option<&[bool]>, out: &mut [f64]) -> bool {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            self.imp.evaluate(v, t, locked, out)
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        {
            let _ = (v, t, locked, out);
            false
        }
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod imp {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use cranelift_codegen::ir::condcodes::FloatCC;
    use cranelift_codegen::ir::{
        types, AbiParam, InstBuilder, MemFlagsData, SigRef, Signature, UserFuncName, Value,
    };
    use cranelift_codegen::settings::{self, Configurable};
    use cranelift_codegen::Context;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use cranelift_jit::{JITBuilder, JITModule};
    use cranelift_module::{default_libcall_names, Linkage, Module};

    use crate::compile::{Compiled, StateRate, StoichSlot};
    use crate::eval::CExpr;

    /// A compiled kernel (see the module documentation for the arguments).
    type Kernel = unsafe extern "C" fn(*const f64, *mut f64, *const u8, i32, f64);

    /// Owns the executable memory of a module's kernels and frees it on drop. The mutex
    /// makes the owner `Sync` (the module is only touched again to be freed).
    struct Code(Mutex<Option<JITModule>>);

    impl Drop for Code {
        fn drop(&mut self) {
            let module = match self.0.get_mut() {
                Ok(m) => m.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            };
            if let Some(m) = module {
                // SAFETY: the kernels are only callable through the struct that owns this
                // `Code` (by `&self`), which is being dropped: no call is running or can
                // start, and the function pointers die with it.
                unsafe { m.free_memory() };
            }
        }
    }

    /// Locked-switch values to hand a kernel: a pointer to at least `n_switches` bools and
    /// whether to use them. `None` when `locked` has the wrong length.
    fn locked_arg(locked: Option<&[bool]>, n_switches: usize) -> Option<(*const u8, i32)> {
        match locked {
            Some(l) if l.len() == n_switches => Some((l.as_ptr().cast::<u8>(), 1)),
            Some(_) => None,
            // Not read when `use_locked` is 0; a valid pointer all the same.
            None => Some((NO_SWITCHES.as_ptr(), 0)),
        }
    }

    static NO_SWITCHES: [u8; 1] = [0];

    pub struct Rhs {
        load: Kernel,
        derivatives: Kernel,
        n_slots: usize,
        n_states: usize,
        n_switches: usize,
        _code: Code,
    }

    impl Rhs {
        pub fn compile(c: &Compiled) -> Option<Rhs> {
            if c.n_slots.max(c.states.len()).max(c.switches.len()) >= MAX_LEN {
                return None;
            }
            let mut jit = Jit::new()?;
            let n_switches = c.switches.len();
            // load: input y, output v.
            let load = jit.kernel("load", n_switches, |e| {
                for (k, st) in c.states.iter().enumerate() {
                    let y = e.load_input(k);
                    e.store_slot(st.slot, y);
                }
                for (slot, expr) in &c.program {
                    let x = e.expr(expr)?;
                    e.store_slot(*slot, x);
                }
                Some(())
            })?;
            // derivatives: input v, output dy.
            let derivatives = jit.kernel("derivatives", n_switches, |e| {
                e.slots_in_input();
                for (k, st) in c.states.iter().enumerate() {
                    let d = match &st.rate {
                        StateRate::Expr(x) | StateRate::Algebraic(x) => e.expr(x)?,
                        StateRate::Reactions(terms) => {
                            let mut values = Vec::with_capacity(terms.len());
                            for term in terms {
                                // sign * s * v[rate] * cf (* 1, no fast reactions here).
                                let signed = match term.stoich {
                                    StoichSlot::Const(s) => e.constant(term.sign * s),
                                    StoichSlot::Slot(i) => {
                                        let sign = e.constant(term.sign);
                                        let s = e.slot(i);
                                        e.binary(Tag::Mul, sign, s)
                                    }
                                };
                                let rate = e.slot(term.rate_slot);
                                let mut x = e.binary(Tag::Mul, signed, rate);
                                if let Some(i) = term.conversion_factor {
                                    let cf = e.slot(i);
                                    x = e.binary(Tag::Mul, x, cf);
                                }
                                values.push(x);
                            }
                            e.sum(&values)
                        }
                    };
                    e.store_output(k, d);
                }
                Some(())
            })?;
            let code = jit.finish()?;
            Some(Rhs {
                load: code.0[load],
                derivatives: code.0[derivatives],
                n_slots: c.n_slots,
                n_states: c.states.len(),
                n_switches,
                _code: code.1,
            })
        }

        pub fn load(&self, v: &mut [f64], t: f64, y: &[f64], locked: Option<&[bool]>) -> bool {
            let Some((lp, use_locked)) = locked_arg(locked, self.n_switches) else {
                return false;
            };
            if v.len() != self.n_slots || y.len() != self.n_states {
                return false;
            }
            // SAFETY: the kernel reads y[0..n_states] and locked[0..n_switches] (only when
            // use_locked is 1), reads and writes v[0..n_slots]; the lengths are checked
            // above, and `self` keeps the code alive.
            unsafe { (self.load)(y.as_ptr(), v.as_mut_ptr(), lp, use_locked, t) };
            true
        }

        pub fn derivatives(
            &self,
            v: &[f64],
            t: f64,
            locked: Option<&[bool]>,
            dy: &mut [f64],
        ) -> bool {
            let Some((lp, use_locked)) = locked_arg(locked, self.n_switches) else {
                return false;
            };
            if v.len() != self.n_slots || dy.len() != self.n_states {
                return false;
            }
            // SAFETY: reads v[0..n_slots] and locked[0..n_switches] (when used), writes
            // dy[0..n_states]; lengths checked above.
            unsafe { (self.derivatives)(v.as_ptr(), dy.as_mut_ptr(), lp, use_locked, t) };
            true
        }
    }

    pub struct Coefficients {
        kernel: Kernel,
        n_slots: usize,
        pub n_out: usize,
        n_switches: usize,
        _code: Code,
    }

    impl Coefficients {
        pub fn compile(c: &Compiled, exprs: &[&CExpr]) -> Option<Coefficients> {
            if c.n_slots.max(exprs.len()).max(c.switches.len()) >= MAX_LEN {
                return None;
            }
            let mut jit = Jit::new()?;
            let n_switches = c.switches.len();
            let kernel = jit.kernel("coefficients", n_switches, |e| {
                e.slots_in_input();
                for (k, x) in exprs.iter().enumerate() {
                    let value = e.expr(x)?;
                    e.store_output(k, value);
                }
                Some(())
            })?;
            let code = jit.finish()?;
            Some(Coefficients {
                kernel: code.0[kernel],
                n_slots: c.n_slots,
                n_out: exprs.len(),
                n_switches,
                _code: code.1,
            })
        }

        pub fn evaluate(
            &self,
            v: &[f64],
            t: f64,
            locked: Option<&[bool]>,
            out: &mut [f64],
        ) -> bool {
            let Some((lp, use_locked)) = locked_arg(locked, self.n_switches) else {
                return false;
            };
            if v.len() != self.n_slots || out.len() != self.n_out {
                return false;
            }
            // SAFETY: reads v[0..n_slots] and locked[0..n_switches] (when used), writes
            // out[0..n_out]; lengths checked above.
            unsafe { (self.kernel)(v.as_ptr(), out.as_mut_ptr(), lp, use_locked, t) };
            true
        }
    }

    /// A module under construction. Dropped unfinished (a kernel could not be compiled), it
    /// frees whatever code it already holds.
    pub(super) struct Jit {
        /// `None` only once [`Jit::finish`] has handed it to a [`Code`].
        module: Option<JITModule>,
        ctx: Context,
        builder: FunctionBuilderContext,
        functions: Vec<cranelift_module::FuncId>,
    }

    impl Jit {
        pub(super) fn new() -> Option<Jit> {
            let mut flags = settings::builder();
            flags.set("opt_level", "speed").ok()?;
            flags.set("use_colocated_libcalls", "false").ok()?;
            flags.set("is_pic", "false").ok()?;
            let isa = cranelift_native::builder()
                .ok()?
                .finish(settings::Flags::new(flags))
                .ok()?;
            let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
            let ctx = module.make_context();
            Some(Jit {
                module: Some(module),
                ctx,
                builder: FunctionBuilderContext::new(),
                functions: Vec::new(),
            })
        }

        /// Defines one kernel whose body `body` emits; `None` if it cannot.
        pub(super) fn kernel(
            &mut self,
            name: &str,
            n_switches: usize,
            body: impl FnOnce(&mut Emitter) -> Option<()>,
        ) -> Option<usize> {
            let module = self.module.as_mut()?;
            let ptr = module.target_config().pointer_type();
            let mut sig = module.make_signature();
            sig.params.push(AbiParam::new(ptr));
            sig.params.push(AbiParam::new(ptr));
            sig.params.push(AbiParam::new(ptr));
            sig.params.push(AbiParam::new(types::I32));
            sig.params.push(AbiParam::new(types::F64));
            let id = module.declare_function(name, Linkage::Local, &sig).ok()?;
            module.clear_context(&mut self.ctx);
            self.ctx.func.signature = sig;
            self.ctx.func.name = UserFuncName::user(0, id.as_u32());
            let target = module.target_config();
            let call_conv = target.default_call_conv;
            {
                let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
                let block = b.create_block();
                b.append_block_params_for_function_params(block);
                b.switch_to_block(block);
                b.seal_block(block);
                let p = b.block_params(block).to_vec();
                let mut sig1 = Signature::new(call_conv);
                sig1.params.push(AbiParam::new(types::F64));
                sig1.returns.push(AbiParam::new(types::F64));
                let mut sig2 = sig1.clone();
                sig2.params.push(AbiParam::new(types::F64));
                let sig1 = b.import_signature(sig1);
                let sig2 = b.import_signature(sig2);
                let mut e = Emitter {
                    b,
                    ptr,
                    input: p[0],
                    output: p[1],
                    locked: p[2],
                    use_locked: p[3],
                    t: p[4],
                    slots_from_input: false,
                    slots: HashMap::new(),
                    memo: HashMap::new(),
                    constants: HashMap::new(),
                    sig1,
                    sig2,
                    n_switches,
                };
                let ok = body(&mut e);
                let mut b = e.b;
                b.ins().return_(&[]);
                b.finalize(target);
                ok?;
            }
            module.define_function(id, &mut self.ctx).ok()?;
            module.clear_context(&mut self.ctx);
            self.functions.push(id);
            Some(self.functions.len() - 1)
        }

        /// Finalizes the module: the kernels in definition order and their owner.
        fn finish(mut self) -> Option<(Vec<Kernel>, Code)> {
            let module = self.module.as_mut()?;
            module.finalize_definitions().ok()?;
            let kernels = self
                .functions
                .iter()
                .map(|&id| {
                    let p = module.get_finalized_function(id);
                    // SAFETY: `p` is the entry of a function just defined with the `Kernel`
                    // signature (pointer, pointer, pointer, i32, f64 in the platform's C
                    // calling convention, no return value).
                    unsafe { std::mem::transmute::<*const u8, Kernel>(p) }
                })
                .collect();
            Some((kernels, Code(Mutex::new(self.module.take()))))
        }
    }

    impl Drop for Jit {
        fn drop(&mut self) {
            if let Some(m) = self.module.take() {
                // SAFETY: an unfinished module: none of its functions was handed out.
                unsafe { m.free_memory() };
            }
        }
    }

    /// What a value-numbered node computes.
    #[derive(Clone, Copy, PartialEq, Eq, Hash)]
    enum Tag {
        Add,
        Mul,
        Sub,
        Div,
        Neg,
        Call(usize),
        Cmp(u8),
        /// x != 0 (the interpreter's `truth`).
        Truth,
        And,
        Or,
        Xor,
        Not,
        Select,
        Switch(usize),
    }

    pub(super) struct Emitter<'a> {
        b: FunctionBuilder<'a>,
        ptr: types::Type,
        input: Value,
        output: Value,
        locked: Value,
        use_locked: Value,
        t: Value,
        /// Slots are read from `input` (derivatives, coefficients) or `output` (load).
        slots_from_input: bool,
        /// The current value of each slot read or written so far.
        slots: HashMap<usize, Value>,
        /// Value numbering: (operation, operands) → result.
        memo: HashMap<(Tag, Vec<Value>), Value>,
        /// Constants by their bits.
        constants: HashMap<u64, Value>,
        sig1: SigRef,
        sig2: SigRef,
        n_switches: usize,
    }

    fn flags() -> MemFlagsData {
        MemFlagsData::trusted()
    }

    /// Buffers longer than this many values are not compiled (their byte offsets must fit
    /// a Cranelift immediate).
    const MAX_LEN: usize = (i32::MAX / 8) as usize;

    /// The byte offset of value `i` of a buffer (below `MAX_LEN`, checked before emitting).
    fn offset(i: usize) -> i32 {
        (i * 8) as i32
    }

    impl Emitter<'_> {
        fn slots_in_input(&mut self) {
            self.slots_from_input = true;
        }

        fn load_input(&mut self, k: usize) -> Value {
            self.b
                .ins()
                .load(types::F64, flags(), self.input, offset(k))
        }

        pub(super) fn store_output(&mut self, k: usize, x: Value) {
            self.b.ins().store(flags(), x, self.output, offset(k));
        }

        fn store_slot(&mut self, slot: usize, x: Value) {
            let base = if self.slots_from_input {
                self.input
            } else {
                self.output
            };
            self.b.ins().store(flags(), x, base, offset(slot));
            self.slots.insert(slot, x);
        }

        fn slot(&mut self, i: usize) -> Value {
            if let Some(&x) = self.slots.get(&i) {
                return x;
            }
            let base = if self.slots_from_input {
                self.input
            } else {
                self.output
            };
            let x = self.b.ins().load(types::F64, flags(), base, offset(i));
            self.slots.insert(i, x);
            x
        }

        fn constant(&mut self, x: f64) -> Value {
            let bits = x.to_bits();
            if let Some(&v) = self.constants.get(&bits) {
                return v;
            }
            let v = self.b.ins().f64const(x);
            self.constants.insert(bits, v);
            v
        }

        fn memo(
            &mut self,
            tag: Tag,
            args: &[Value],
            emit: impl FnOnce(&mut Self) -> Value,
        ) -> Value {
            let key = (tag, args.to_vec());
            if let Some(&v) = self.memo.get(&key) {
                return v;
            }
            let v = emit(self);
            self.memo.insert(key, v);
            v
        }

        fn binary(&mut self, tag: Tag, a: Value, c: Value) -> Value {
            self.memo(tag, &[a, c], |e| match tag {
                Tag::Add => e.b.ins().fadd(a, c),
                Tag::Sub => e.b.ins().fsub(a, c),
                Tag::Div => e.b.ins().fdiv(a, c),
                _ => e.b.ins().fmul(a, c),
            })
        }

        /// Left to right, as `Iterator::sum` does.
        fn sum(&mut self, xs: &[Value]) -> Value {
            let start = std::iter::empty::<f64>().sum::<f64>();
            let (mut acc, rest) = match xs.split_first() {
                // -0.0 + x is x for every x: the first term is the start.
                Some((&first, rest)) if start.is_sign_negative() => (first, rest),
                _ => (self.constant(start), xs),
            };
            for &x in rest {
                acc = self.binary(Tag::Add, acc, x);
            }
            acc
        }

        fn call1(&mut self, f: extern "C" fn(f64) -> f64, a: Value) -> Value {
            self.call(f as usize, self.sig1, &[a])
        }

        fn call2(&mut self, f: extern "C" fn(f64, f64) -> f64, a: Value, c: Value) -> Value {
            self.call(f as usize, self.sig2, &[a, c])
        }

        /// A call to the function at address `f` (never freed: a function of this crate).
        fn call(&mut self, f: usize, sig: SigRef, args: &[Value]) -> Value {
            self.memo(Tag::Call(f), args, |e| {
                let callee = e.b.ins().iconst(e.ptr, f as i64);
                let inst = e.b.ins().call_indirect(sig, callee, args);
                e.b.inst_results(inst)[0]
            })
        }

        /// 1.0 where the i8 condition holds, else 0.0.
        fn boolean(&mut self, cond: Value) -> Value {
            let one = self.constant(1.0);
            let zero = self.constant(0.0);
            self.memo(Tag::Select, &[cond, one, zero], |e| {
                e.b.ins().select(cond, one, zero)
            })
        }

        /// The i8 truth of a number: x != 0 (NaN is true).
        fn truth(&mut self, x: Value) -> Value {
            let zero = self.constant(0.0);
            self.memo(Tag::Truth, &[x, zero], |e| {
                e.b.ins().fcmp(FloatCC::NotEqual, x, zero)
            })
        }

        fn exprs(&mut self, xs: &[CExpr]) -> Option<Vec<Value>> {
            xs.iter().map(|x| self.expr(x)).collect()
        }

        pub(super) fn expr(&mut self, e: &CExpr) -> Option<Value> {
            Some(match e {
                CExpr::Const(x) => self.constant(*x),
                CExpr::Var(i) => self.slot(*i),
                CExpr::Time => self.t,
                CExpr::Neg(a) => {
                    let a = self.expr(a)?;
                    self.memo(Tag::Neg, &[a], |e| e.b.ins().fneg(a))
                }
                CExpr::Add(xs) => {
                    let xs = self.exprs(xs)?;
                    self.sum(&xs)
                }
                CExpr::Mul(xs) => {
                    let xs = self.exprs(xs)?;
                    // 1.0 * x is x for every x: the first factor is the start.
                    let Some((&first, rest)) = xs.split_first() else {
                        return Some(self.constant(1.0));
                    };
                    rest.iter()
                        .fold(first, |acc, &x| self.binary(Tag::Mul, acc, x))
                }
                CExpr::Sub(ab) => {
                    let (a, c) = (self.expr(&ab[0])?, self.expr(&ab[1])?);
                    self.binary(Tag::Sub, a, c)
                }
                CExpr::Div(ab) => {
                    let (a, c) = (self.expr(&ab[0])?, self.expr(&ab[1])?);
                    self.binary(Tag::Div, a, c)
                }
                CExpr::Pow(ab) => {
                    let (a, c) = (self.expr(&ab[0])?, self.expr(&ab[1])?);
                    self.call2(math::pow, a, c)
                }
                CExpr::Fn1(op, f, a) => {
                    let native = math::unary(*op, *f)?;
                    let a = self.expr(a)?;
                    self.call1(native, a)
                }
                CExpr::Fn2(op, f, ab) => {
                    let native = math::binary(*op, *f)?;
                    let (a, c) = (self.expr(&ab[0])?, self.expr(&ab[1])?);
                    self.call2(native, a, c)
                }
                CExpr::Cmp(f, xs) => {
                    let (code, cc) = math::relation(*f)?;
                    let xs = self.exprs(xs)?;
                    let mut all: Option<Value> = None;
                    for w in xs.windows(2) {
                        let c = self.memo(Tag::Cmp(code), w, |e| e.b.ins().fcmp(cc, w[0], w[1]));
                        all = Some(match all {
                            None => c,
                            Some(prev) => {
                                self.memo(Tag::And, &[prev, c], |e| e.b.ins().band(prev, c))
                            }
                        });
                    }
                    match all {
                        Some(c) => self.boolean(c),
                        None => self.constant(1.0),
                    }
                }
                CExpr::And(xs) | CExpr::Or(xs) | CExpr::Xor(xs) => {
                    let (tag, empty) = match e {
                        CExpr::And(_) => (Tag::And, 1.0),
                        CExpr::Or(_) => (Tag::Or, 0.0),
                        _ => (Tag::Xor, 0.0),
                    };
                    let xs = self.exprs(xs)?;
                    let mut acc: Option<Value> = None;
                    for x in xs {
                        let c = self.truth(x);
                        acc = Some(match acc {
                            None => c,
                            Some(prev) => self.memo(tag, &[prev, c], |e| match tag {
                                Tag::And => e.b.ins().band(prev, c),
                                Tag::Or => e.b.ins().bor(prev, c),
                                _ => e.b.ins().bxor(prev, c),
                            }),
                        });
                    }
                    match acc {
                        Some(c) => self.boolean(c),
                        None => self.constant(empty),
                    }
                }
                CExpr::Not(a) => {
                    let a = self.expr(a)?;
                    let zero = self.constant(0.0);
                    // !(a != 0) is a == 0 (ordered: NaN is true, so not-NaN is false).
                    let c = self.memo(Tag::Not, &[a, zero], |e| {
                        e.b.ins().fcmp(FloatCC::Equal, a, zero)
                    });
                    self.boolean(c)
                }
                CExpr::Max(xs) | CExpr::Min(xs) => {
                    let (f, start): (extern "C" fn(f64, f64) -> f64, f64) =
                        if matches!(e, CExpr::Max(_)) {
                            (math::max, f64::NEG_INFINITY)
                        } else {
                            (math::min, f64::INFINITY)
                        };
                    let xs = self.exprs(xs)?;
                    let mut acc = self.constant(start);
                    for x in xs {
                        acc = self.call2(f, acc, x);
                    }
                    acc
                }
                CExpr::Piecewise(pieces, otherwise) => {
                    let mut evaluated = Vec::with_capacity(pieces.len());
                    for (c, v) in pieces {
                        evaluated.push((self.expr(c)?, self.expr(v)?));
                    }
                    let mut acc = self.expr(otherwise)?;
                    // The first piece whose condition holds wins: select from the last back.
                    for (c, v) in evaluated.into_iter().rev() {
                        let cond = self.truth(c);
                        acc = self.memo(Tag::Select, &[cond, v, acc], |e| {
                            e.b.ins().select(cond, v, acc)
                        });
                    }
                    acc
                }
                CExpr::Switch(i, inner) => {
                    if *i >= self.n_switches {
                        return None;
                    }
                    let free = self.expr(inner)?;
                    let (locked, use_locked) = (self.locked, self.use_locked);
                    let held = self.memo(Tag::Switch(*i), &[locked], |e| {
                        // `i` < n_switches < MAX_LEN: the offset fits.
                        let byte = e.b.ins().load(types::I8, flags(), locked, *i as i32);
                        let one = e.b.ins().f64const(1.0);
                        let zero = e.b.ins().f64const(0.0);
                        e.b.ins().select(byte, one, zero)
                    });
                    self.memo(Tag::Select, &[use_locked, held, free], |e| {
                        e.b.ins().select(use_locked, held, free)
                    })
                }
                CExpr::Delay(_) | CExpr::Rate(_) | CExpr::Draw(..) => return None,
            })
        }
    }

    /// The functions kernels call: `extern "C"` wrappers around exactly what the
    /// interpreter computes, and the recognition of the interpreter's function pointers.
    pub(super) mod math {
        use her2sim_model::Op;

        pub extern "C" fn pow(a: f64, b: f64) -> f64 {
            crate::eval::pow(a, b)
        }

        pub extern "C" fn max(a: f64, b: f64) -> f64 {
            a.max(b)
        }

        pub extern "C" fn min(a: f64, b: f64) -> f64 {
            a.min(b)
        }

        macro_rules! unary {
            ($($name:ident = |$x:ident| $body:expr;)*) => {
                $(extern "C" fn $name($x: f64) -> f64 { $body })*
            };
        }

        unary! {
            abs = |x| x.abs();
            exp = |x| x.exp();
            ln = |x| x.ln();
            floor = |x| x.floor();
            ceil = |x| x.ceil();
            factorial = |x| crate::eval::factorial(x);
            sqrt = |x| x.sqrt();
            sin = |x| x.sin();
            cos = |x| x.cos();
            tan = |x| x.tan();
            sec = |x| 1.0 / x.cos();
            csc = |x| 1.0 / x.sin();
            cot = |x| 1.0 / x.tan();
            sinh = |x| x.sinh();
            cosh = |x| x.cosh();
            tanh = |x| x.tanh();
            sech = |x| 1.0 / x.cosh();
            csch = |x| 1.0 / x.sinh();
            coth = |x| 1.0 / x.tanh();
            asin = |x| x.asin();
            acos = |x| x.acos();
            atan = |x| x.atan();
            asec = |x| (1.0 / x).acos();
            acsc = |x| (1.0 / x).asin();
            acot = |x| (1.0 / x).atan();
            asinh = |x| x.asinh();
            acosh = |x| x.acosh();
            atanh = |x| x.atanh();
            asech = |x| (1.0 / x).acosh();
            acsch = |x| (1.0 / x).asinh();
            acoth = |x| (1.0 / x).atanh();
        }

        extern "C" fn root(n: f64, x: f64) -> f64 {
            crate::eval::root(n, x)
        }

        extern "C" fn log(b: f64, x: f64) -> f64 {
            x.ln() / b.ln()
        }

        extern "C" fn quotient(a: f64, b: f64) -> f64 {
            (a / b).trunc()
        }

        extern "C" fn rem(a: f64, b: f64) -> f64 {
            a % b
        }

        /// Probe arguments: both signs, zero, fractions, integers, large, small, NaN.
        const PROBES: [f64; 12] = [
            0.3,
            1.7,
            -2.5,
            0.0,
            -0.0,
            4.0,
            100.5,
            -0.75,
            1e-8,
            3.0,
            0.999,
            f64::NAN,
        ];

        fn same(a: f64, b: f64) -> bool {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }

        /// The native wrapper of a one-argument function, if `f` is what the operator names.
        pub fn unary(op: Op, f: fn(f64) -> f64) -> Option<extern "C" fn(f64) -> f64> {
            let native: extern "C" fn(f64) -> f64 = match op {
                Op::Abs => abs,
                Op::Exp => exp,
                Op::Ln => ln,
                Op::Floor => floor,
                Op::Ceiling => ceil,
                Op::Factorial => factorial,
                // The derivative rules write √x as a one-argument root.
                Op::Root => sqrt,
                Op::Sin => sin,
                Op::Cos => cos,
                Op::Tan => tan,
                Op::Sec => sec,
                Op::Csc => csc,
                Op::Cot => cot,
                Op::Sinh => sinh,
                Op::Cosh => cosh,
                Op::Tanh => tanh,
                Op::Sech => sech,
                Op::Csch => csch,
                Op::Coth => coth,
                Op::Arcsin => asin,
                Op::Arccos => acos,
                Op::Arctan => atan,
                Op::Arcsec => asec,
                Op::Arccsc => acsc,
                Op::Arccot => acot,
                Op::Arcsinh => asinh,
                Op::Arccosh => acosh,
                Op::Arctanh => atanh,
                Op::Arcsech => asech,
                Op::Arccsch => acsch,
                Op::Arccoth => acoth,
                _ => return None,
            };
            PROBES
                .iter()
                .all(|&x| same(f(x), native(x)))
                .then_some(native)
        }

        /// The native wrapper of a two-argument function, if `f` is what the operator names.
        pub fn binary(op: Op, f: fn(f64, f64) -> f64) -> Option<extern "C" fn(f64, f64) -> f64> {
            let native: extern "C" fn(f64, f64) -> f64 = match op {
                Op::Root => root,
                Op::Log => log,
                Op::Quotient => quotient,
                Op::Rem => rem,
                _ => return None,
            };
            PROBES
                .iter()
                .flat_map(|&a| PROBES.iter().map(move |&b| (a, b)))
                .all(|(a, b)| same(f(a, b), native(a, b)))
                .then_some(native)
        }

        /// The comparison a relational's function pointer makes, recognised by its truth
        /// table on (1, 2), (2, 1), (1, 1), (NaN, 1): a small code and Cranelift's condition.
        pub fn relation(
            f: fn(f64, f64) -> bool,
        ) -> Option<(u8, cranelift_codegen::ir::condcodes::FloatCC)> {
            use cranelift_codegen::ir::condcodes::FloatCC as C;
            let table = [
                f(1.0, 2.0),
                f(2.0, 1.0),
                f(1.0, 1.0),
                f(f64::NAN, 1.0),
                f(1.0, f64::NAN),
            ];
            Some(match table {
                [false, false, true, false, false] => (10, C::Equal),
                [true, true, false, true, true] => (11, C::NotEqual),
                [false, true, false, false, false] => (12, C::GreaterThan),
                [true, false, false, false, false] => (13, C::LessThan),
                [false, true, true, false, false] => (14, C::GreaterThanOrEqual),
                [true, false, true, false, false] => (15, C::LessThanOrEqual),
                _ => return None,
            })
        }
    }
}

#[cfg(all(test, target_arch = "x86_64", target_os = "linux"))]
mod tests {
    use std::path::{Path, PathBuf};

    use her2sim_model::Op;
    use her2sim_ode::System;

    use crate::eval::{apply, CExpr};
    use crate::runtime::Sys;
    use crate::Simulator;

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    /// Every function the interpreter compiles is recognised by the native code.
    #[test]
    fn every_function_has_a_native_wrapper() {
        use Op::*;
        for op in [
            Abs, Exp, Ln, Floor, Ceiling, Factorial, Sin, Cos, Tan, Sec, Csc, Cot, Sinh, Cosh,
            Tanh, Sech, Csch, Coth, Arcsin, Arccos, Arctan, Arcsec, Arccsc, Arccot, Arcsinh,
            Arccosh, Arctanh, Arcsech, Arccsch, Arccoth,
        ] {
            match apply(op, vec![CExpr::Var(0)]) {
                Some(CExpr::Fn1(o, f, _)) => {
                    assert!(super::imp::math::unary(o, f).is_some(), "{op:?}")
                }
                other => panic!("{op:?}: {other:?}"),
            }
        }
        for op in [Root, Log, Quotient, Rem] {
            match apply(op, vec![CExpr::Var(0), CExpr::Var(1)]) {
                Some(CExpr::Fn2(o, f, _)) => {
                    assert!(super::imp::math::binary(o, f).is_some(), "{op:?}")
                }
                other => panic!("{op:?}: {other:?}"),
            }
        }
        for op in [Eq, Neq, Gt, Lt, Geq, Leq] {
            match apply(op, vec![CExpr::Var(0), CExpr::Var(1)]) {
                Some(CExpr::Cmp(f, _)) => assert!(super::imp::math::relation(f).is_some()),
                other => panic!("{op:?}: {other:?}"),
            }
        }
    }

    /// Right-hand side and Jacobian of native code and interpreter agree bit for bit at
    /// perturbed states, with relationals free and locked.
    fn check(path: &Path, expect_native: bool) {
        let native = Simulator::from_file(path).unwrap();
        let mut interpreted = Simulator::from_file(path).unwrap();
        interpreted.set_native_code(false);
        assert_eq!(
            native.native_code(),
            expect_native,
            "{}: native code",
            path.display()
        );
        assert!(!interpreted.native_code());
        let (a, b) = (native.compiled(), interpreted.compiled());
        let v0 = a.initial_values();
        let n = a.states.len();
        let (mut sa, mut sb) = (Sys::new(a), Sys::new(b));
        sa.v.copy_from_slice(&v0);
        sb.v.copy_from_slice(&v0);
        for round in 0..3 {
            let y: Vec<f64> = a
                .states
                .iter()
                .enumerate()
                .map(|(k, st)| v0[st.slot].abs() * (1.0 + 0.1 * round as f64) + 0.01 * k as f64)
                .collect();
            let t = 0.7 * round as f64;
            if round == 2 {
                sa.load(t, &y);
                sa.locked = sa.switches(t).iter().map(|s| !s).collect();
                sb.locked = sa.locked.clone();
            }
            let (mut da, mut db) = (vec![0.0; n], vec![0.0; n]);
            sa.rhs(t, &y, &mut da).unwrap();
            sb.rhs(t, &y, &mut db).unwrap();
            assert!(same(&da, &db), "{}: rhs {da:?} vs {db:?}", path.display());
            assert!(same(&sa.v, &sb.v), "{}: slots", path.display());
            let (mut ja, mut jb) = (
                nalgebra::DMatrix::zeros(n, n),
                nalgebra::DMatrix::zeros(n, n),
            );
            if let (Some(ra), Some(rb)) = (sa.jacobian(t, &y, &mut ja), sb.jacobian(t, &y, &mut jb))
            {
                ra.unwrap();
                rb.unwrap();
                assert!(
                    same(ja.as_slice(), jb.as_slice()),
                    "{}: Jacobian",
                    path.display()
                );
            }
        }
    }

    fn shared() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
    }

    /// A module abandoned after one good kernel and one that cannot be compiled frees its
    /// code and reports failure.
    #[test]
    fn a_failed_compilation_is_abandoned_cleanly() {
        let mut jit = super::imp::Jit::new().unwrap();
        let good = jit.kernel("good", 0, |e| {
            let x = e.expr(&CExpr::Const(1.0))?;
            e.store_output(0, x);
            Some(())
        });
        assert_eq!(good, Some(0));
        let rate = CExpr::Rate(Box::new(CExpr::Var(0)));
        assert_eq!(jit.kernel("bad", 0, |e| e.expr(&rate).map(drop)), None);
        drop(jit);
    }

    /// Whole time courses, with and without sensitivities, are identical both ways.
    #[test]
    fn time_courses_are_identical_both_ways() {
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/her2/calibration/model.xml");
        let native = Simulator::from_file(&file).unwrap();
        let mut interpreted = Simulator::from_file(&file).unwrap();
        interpreted.set_native_code(false);
        assert!(native.native_code() && !interpreted.native_code());
        let run = |sim: &Simulator| {
            let opts = crate::SimOptions {
                duration: 4320.0,
                steps: 24,
                overrides: vec![
                    (sim.override_target("conc_lapatinib").unwrap(), 1000.0),
                    (sim.override_target("growth_on").unwrap(), 1.0),
                ],
                ..crate::SimOptions::default()
            };
            let selection = sim.default_selection();
            let plain = sim.simulate(&opts, &selection).unwrap();
            let sens = sim
                .simulate_sensitivities(&opts, &selection, &["K_addiction", "w_prolif_erk"])
                .unwrap();
            (plain, sens)
        };
        let (a, b) = (run(&native), run(&interpreted));
        for (x, y) in [(&a.0, &b.0), (&a.1, &b.1)] {
            assert_eq!(x.columns, y.columns);
            for (rx, ry) in x.rows.iter().zip(&y.rows) {
                assert!(same(rx, ry), "{rx:?} vs {ry:?}");
            }
        }
    }

    #[test]
    fn native_code_matches_the_interpreter() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        check(&root.join("models/her2/her2_network.xml"), true);
        check(&root.join("models/her2/calibration/model.xml"), true);
        let suite = shared().join("sbml-test-suite/semantic");
        // Mass action, rules, functions, piecewise and relationals, events, variable
        // stoichiometry, algebraic rules; delay (00937) and fast reactions (00871) fall back.
        for (case, native) in [
            ("00001", true),
            ("00026", true),
            ("00039", true),
            ("00100", true),
            ("00203", true),
            ("00301", true),
            ("00532", true),
            ("01121", true),
            ("00041", true),
            ("00201", true),
            ("00272", true),
            ("00937", false),
            ("00871", false),
        ] {
            let file = ["l3v2", "l3v1"]
                .iter()
                .map(|v| suite.join(format!("{case}/{case}-sbml-{v}.xml")))
                .find(|f| f.exists());
            if let Some(file) = file {
                check(&file, native);
            }
        }
        for id in ["BIOMD0000000250", "BIOMD0000000019"] {
            let file = shared().join(format!("biomodels/{id}/model.xml"));
            if file.exists() {
                check(&file, true);
            }
        }
    }
}
