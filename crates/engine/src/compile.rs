//! Compiles the model IR into slot-addressed programs: the initial-value program, the
//! per-evaluation assignment program, the state derivatives, the mass matrix and the events.
//!
//! Slots: one per model symbol holding its value as math sees it (a species' concentration
//! unless it is amount-valued), plus one extra slot per species whose state is an amount but
//! whose math value is a concentration.

use nalgebra::DMatrix;

use her2sim_model::{Determined, Expr, InitialValue, Model, StoichValue, SymbolId, SymbolKind};

use crate::eval::{apply, CExpr};
use crate::fast::{fast_system, FastRow};
use crate::EngineError;

/// One term `sign * stoichiometry * rate * conversion_factor` of a species' amount derivative.
#[derive(Debug, Clone)]
pub struct Term {
    pub rate_slot: usize,
    pub sign: f64,
    pub stoich: StoichSlot,
    pub conversion_factor: Option<usize>,
    /// The term of a fast reaction in `FastMode::Scaled` (multiplied by the factor).
    pub fast: bool,
}

/// How fast reactions are simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FastMode {
    /// Exact: an equilibrium constraint (conserved combinations and zero fast rates).
    Equilibrium,
    /// Singular perturbation: fast rates multiplied by this factor, and the fast subsystem
    /// relaxed to its stable equilibrium at the start and after events. Handles what the
    /// constraint cannot: variable stoichiometry, rates that vanish identically, several
    /// roots (the stable one is reached).
    Scaled(f64),
}

#[derive(Debug, Clone)]
pub enum StoichSlot {
    Const(f64),
    Slot(usize),
}

#[derive(Debug, Clone)]
pub enum StateRate {
    /// A rate rule.
    Expr(CExpr),
    /// Sum of reaction terms (empty for species no reaction changes).
    Reactions(Vec<Term>),
    /// Residual of an algebraic rule (the row's mass is zero).
    Algebraic(CExpr),
}

#[derive(Debug, Clone)]
pub struct StateVar {
    pub symbol: SymbolId,
    /// The slot the state value is loaded into.
    pub slot: usize,
    pub rate: StateRate,
}

#[derive(Debug, Clone)]
pub struct CEvent {
    pub id: String,
    pub trigger: CExpr,
    pub initial_value: bool,
    pub persistent: bool,
    pub delay: Option<CExpr>,
    pub priority: Option<CExpr>,
    pub use_values_from_trigger_time: bool,
    pub assignments: Vec<(SymbolId, CExpr)>,
}

/// A model compiled for simulation.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub model: Model,
    pub n_slots: usize,
    /// Per symbol: the slot of its amount when the state is an amount but math sees a concentration.
    pub amount_slot: Vec<Option<usize>>,
    /// Per symbol: its index in `states`, if it is a state.
    pub state_of: Vec<Option<usize>>,
    pub states: Vec<StateVar>,
    /// Initial values in dependency order: `v[slot] = expr`.
    pub initial: Vec<(usize, CExpr)>,
    /// Assignments re-run at every evaluation, in dependency order.
    pub program: Vec<(usize, CExpr)>,
    pub events: Vec<CEvent>,
    /// `None` for a pure ODE; otherwise diagonal 1/0 with zero rows for algebraic equations.
    pub mass: Option<DMatrix<f64>>,
    /// Rows replaced by the fast-reaction equilibrium: (state row, what it computes).
    pub fast_rows: Vec<(usize, FastRowC)>,
    /// The right-hand side's relationals (see `CExpr::Switch`), evaluated freely.
    pub switches: Vec<CExpr>,
    pub has_delay: bool,
    /// Whether math evaluated once (initial assignments, event assignments, delays and
    /// priorities) makes `distrib` draws, so runs need a seeded stream.
    pub has_draws: bool,
    /// The analytic Jacobian, when every function in the model has a derivative rule.
    pub jacobian: Option<crate::jacobian::JacobianProgram>,
    /// The factor on fast reaction terms in `FastMode::Scaled`.
    pub fast_scale: Option<f64>,
    /// Whether hot evaluations use native code where the model allows (see `jit.rs`);
    /// false keeps the interpreter everywhere.
    pub native: bool,
    /// `load` + `derivatives` compiled to native code, when `native` and the model allows.
    pub native_rhs: Option<std::sync::Arc<crate::jit::NativeRhs>>,
    /// Jacobian programs with parameter columns, by their parameter slots, for sensitivity
    /// runs (built once per parameter set rather than once per run).
    pub sensitivity_programs: SensitivityPrograms,
}

/// A small cache of [`JacobianProgram`](crate::jacobian::JacobianProgram)s by parameter
/// slots; a clone starts empty.
#[derive(Default)]
pub struct SensitivityPrograms(
    std::sync::Mutex<Vec<(Vec<usize>, std::sync::Arc<crate::jacobian::JacobianProgram>)>>,
);

impl Clone for SensitivityPrograms {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for SensitivityPrograms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SensitivityPrograms")
    }
}

/// Programs kept per model (oldest dropped first): a PEtab problem uses one parameter set
/// per pattern of condition-specific parameters (12 for the HER2 calibration), and each
/// program with native code costs a compilation (milliseconds) when built again.
const MAX_SENSITIVITY_PROGRAMS: usize = 64;

/// A fast-reaction row with state indices resolved.
#[derive(Debug, Clone)]
pub enum FastRowC {
    /// `Σ coef · (slow rate of state j)`.
    Conservation(Vec<(usize, f64)>),
    /// The rate slot of a fast reaction, which must be zero.
    Equilibrium(usize),
}

fn unsupported(what: &str) -> EngineError {
    EngineError::Unsupported(what.to_string())
}

impl Compiled {
    pub fn new(model: Model) -> Result<Self, EngineError> {
        Self::with_fast_mode(model, FastMode::Equilibrium)
    }

    pub fn with_fast_mode(model: Model, fast_mode: FastMode) -> Result<Self, EngineError> {
        let scale = match fast_mode {
            FastMode::Scaled(f) => Some(f),
            FastMode::Equilibrium => None,
        };
        let n = model.symbols.len();
        let mut n_slots = n;
        let mut amount_slot = vec![None; n];
        for (i, s) in model.symbols.iter().enumerate() {
            if let (
                Determined::Reactions,
                SymbolKind::Species {
                    amount_valued: false,
                    ..
                },
            ) = (&s.determined, &s.kind)
            {
                amount_slot[i] = Some(n_slots);
                n_slots += 1;
            }
        }
        let cx = ExprCompiler;
        // States: rate rules, then species amounts, then algebraic variables.
        let mut states = Vec::new();
        for (i, s) in model.symbols.iter().enumerate() {
            if let Determined::Rate(e) = &s.determined {
                states.push(StateVar {
                    symbol: i,
                    slot: i,
                    rate: StateRate::Expr(cx.compile(e)?),
                });
            }
        }
        // Each species' appearances in reactions, in reaction order (reactants, then
        // products): one pass over the reactions instead of one per species.
        let mut appearances: Vec<
            Vec<(&her2sim_model::Reaction, f64, &her2sim_model::Stoichiometry)>,
        > = vec![Vec::new(); model.symbols.len()];
        for r in &model.reactions {
            for (list, sign) in [(&r.reactants, -1.0), (&r.products, 1.0)] {
                for st in list.iter() {
                    if let Some(a) = appearances.get_mut(st.species) {
                        a.push((r, sign, st));
                    }
                }
            }
        }
        for (i, s) in model.symbols.iter().enumerate() {
            if s.determined == Determined::Reactions {
                let mut terms = Vec::new();
                let boundary =
                    s.constant || matches!(s.kind, SymbolKind::Species { boundary: true, .. });
                let cf = match s.kind {
                    SymbolKind::Species {
                        conversion_factor, ..
                    } => conversion_factor,
                    _ => None,
                };
                // In equilibrium mode fast reactions act through the constraint rows (fast.rs).
                for &(r, sign, st) in appearances[i]
                    .iter()
                    .filter(|(r, _, _)| !boundary && (!r.fast || scale.is_some()))
                {
                    terms.push(Term {
                        rate_slot: r.symbol,
                        sign,
                        stoich: match st.value {
                            StoichValue::Const(c) => StoichSlot::Const(c),
                            StoichValue::Symbol(sym) => StoichSlot::Slot(sym),
                        },
                        conversion_factor: cf,
                        fast: r.fast,
                    });
                }
                states.push(StateVar {
                    symbol: i,
                    slot: amount_slot[i].unwrap_or(i),
                    rate: StateRate::Reactions(terms),
                });
            }
        }
        let mut algebraic_rows = Vec::new();
        for (i, s) in model.symbols.iter().enumerate() {
            if let Determined::Algebraic(k) = s.determined {
                algebraic_rows.push(states.len());
                states.push(StateVar {
                    symbol: i,
                    slot: i,
                    rate: StateRate::Algebraic(cx.compile(&model.algebraic_rules[k])?),
                });
            }
        }
        let mut state_of = vec![None; n];
        for (k, st) in states.iter().enumerate() {
            state_of[st.symbol] = Some(k);
        }
        let fast = if scale.is_some() {
            None
        } else {
            fast_system(&model, |sym| {
                let s = &model.symbols[sym];
                let fixed =
                    s.constant || matches!(s.kind, SymbolKind::Species { boundary: true, .. });
                !fixed
                    && state_of[sym]
                        .is_some_and(|k| matches!(states[k].rate, StateRate::Reactions(_)))
            })?
        };
        let mut fast_rows = Vec::new();
        if let Some(f) = &fast {
            for (row_species, row) in f.species.iter().zip(&f.rows) {
                let k = state_of[*row_species].unwrap_or(0);
                fast_rows.push((
                    k,
                    match row {
                        FastRow::Conservation(coefs) => FastRowC::Conservation(
                            coefs
                                .iter()
                                .map(|(i, c)| (state_of[f.species[*i]].unwrap_or(0), *c))
                                .collect(),
                        ),
                        FastRow::Equilibrium(rate) => FastRowC::Equilibrium(*rate),
                    },
                ));
            }
        }
        let mass = if algebraic_rows.is_empty() && fast_rows.is_empty() {
            None
        } else {
            let mut m = DMatrix::identity(states.len(), states.len());
            for &r in &algebraic_rows {
                m[(r, r)] = 0.0;
            }
            for (k, row) in &fast_rows {
                m.row_mut(*k).fill(0.0);
                if let FastRowC::Conservation(coefs) = row {
                    for (j, c) in coefs {
                        m[(*k, *j)] = *c;
                    }
                }
            }
            Some(m)
        };
        // Per-evaluation program.
        let mut program = Vec::new();
        for &i in &model.assignment_order {
            let s = &model.symbols[i];
            let e = match &s.determined {
                Determined::Assignment(e) => cx.compile(e)?,
                Determined::KineticLaw(ri) => cx.compile(&model.reactions[*ri].rate)?,
                Determined::Reactions => match (&s.kind, amount_slot[i]) {
                    (SymbolKind::Species { compartment, .. }, Some(a)) => {
                        CExpr::Div(Box::new([CExpr::Var(a), CExpr::Var(*compartment)]))
                    }
                    _ => continue,
                },
                _ => continue,
            };
            program.push((i, e));
        }
        // Initial values.
        let mut initial = Vec::new();
        for &i in &model.initial_order {
            let s = &model.symbols[i];
            let comp = match s.kind {
                SymbolKind::Species { compartment, .. } => Some(compartment),
                _ => None,
            };
            let e = match (&s.determined, &s.initial) {
                (Determined::Assignment(e), _) => cx.compile(e)?,
                (Determined::KineticLaw(ri), _) => cx.compile(&model.reactions[*ri].rate)?,
                (_, InitialValue::Assigned(e)) => cx.compile(e)?,
                (_, InitialValue::Value(x)) => CExpr::Const(*x),
                (_, InitialValue::SpeciesAmount(a)) => match comp {
                    Some(c) => CExpr::Div(Box::new([CExpr::Const(*a), CExpr::Var(c)])),
                    None => CExpr::Const(*a),
                },
                (_, InitialValue::SpeciesConcentration(x)) => match comp {
                    Some(c) => CExpr::Mul(vec![CExpr::Const(*x), CExpr::Var(c)]),
                    None => CExpr::Const(*x),
                },
                (_, InitialValue::Undefined) => CExpr::Const(f64::NAN),
            };
            initial.push((i, e));
        }
        for (i, a) in amount_slot.iter().enumerate() {
            if let (Some(a), SymbolKind::Species { compartment, .. }) = (a, &model.symbols[i].kind)
            {
                initial.push((
                    *a,
                    CExpr::Mul(vec![CExpr::Var(i), CExpr::Var(*compartment)]),
                ));
            }
        }
        let mut events = Vec::new();
        for e in &model.events {
            events.push(CEvent {
                id: e.id.clone(),
                trigger: cx.compile(&e.trigger)?,
                initial_value: e.initial_value,
                persistent: e.persistent,
                delay: e.delay.as_ref().map(|d| cx.compile(d)).transpose()?,
                priority: e.priority.as_ref().map(|p| cx.compile(p)).transpose()?,
                use_values_from_trigger_time: e.use_values_from_trigger_time,
                assignments: e
                    .assignments
                    .iter()
                    .map(|(s, x)| Ok((*s, cx.compile(x)?)))
                    .collect::<Result<_, EngineError>>()?,
            });
        }
        // Relationals in the right-hand side become switches held fixed within a step.
        let mut switches = Vec::new();
        for (_, e) in &mut program {
            e.wrap_switches(&mut switches);
        }
        for st in &mut states {
            match &mut st.rate {
                StateRate::Expr(e) | StateRate::Algebraic(e) => e.wrap_switches(&mut switches),
                StateRate::Reactions(_) => {}
            }
        }
        let mut has_delay = false;
        let mut negative_delay = None;
        let mut check = |e: &CExpr| {
            e.visit(&mut |n| {
                if let CExpr::Delay(ab) = n {
                    has_delay = true;
                    if let CExpr::Const(d) = ab[1] {
                        if d.is_nan() || d < 0.0 {
                            negative_delay = Some(d);
                        }
                    }
                }
            })
        };
        program.iter().for_each(|(_, e)| check(e));
        for st in &states {
            match &st.rate {
                StateRate::Expr(e) | StateRate::Algebraic(e) => check(e),
                StateRate::Reactions(_) => {}
            }
        }
        for ev in &events {
            check(&ev.trigger);
            ev.assignments.iter().for_each(|(_, e)| check(e));
            ev.delay.iter().chain(&ev.priority).for_each(&mut check);
        }
        if let Some(d) = negative_delay {
            return Err(EngineError::InvalidModel(format!(
                "delay(x, {d}): a delay must be a non-negative number (a value from the future is undefined)"
            )));
        }
        let has_draws = check_draws(&model, &program, &states, &initial, &events)?;
        let mut compiled = Compiled {
            model,
            n_slots,
            amount_slot,
            state_of,
            states,
            initial,
            program,
            events,
            mass,
            fast_rows,
            switches,
            has_delay,
            has_draws,
            jacobian: None,
            fast_scale: scale,
            native: crate::jit::enabled_by_environment(),
            native_rhs: None,
            sensitivity_programs: SensitivityPrograms::default(),
        };
        let native = compiled.native;
        compiled.set_native(native);
        Ok(compiled)
    }
}

fn draws(e: &CExpr) -> bool {
    let mut found = false;
    e.visit(&mut |n| found |= matches!(n, CExpr::Draw(..)));
    found
}

/// Keeps `distrib` draws out of math the solvers evaluate continuously (a fresh draw at
/// every right-hand-side evaluation has no meaning for an integrator), and says whether the
/// math evaluated once draws.
fn check_draws(
    model: &Model,
    program: &[(usize, CExpr)],
    states: &[StateVar],
    initial: &[(usize, CExpr)],
    events: &[CEvent],
) -> Result<bool, EngineError> {
    let refuse = |what: String| {
        Err(EngineError::Unsupported(format!(
            "a distrib draw in {what}, which is evaluated continuously; draws are made in initial assignments, event assignments, event delays and priorities"
        )))
    };
    for (slot, e) in program {
        if draws(e) {
            return refuse(format!(
                "the assignment rule or kinetic law of '{}'",
                model.symbols[*slot].id
            ));
        }
    }
    for st in states {
        if let StateRate::Expr(e) | StateRate::Algebraic(e) = &st.rate {
            if draws(e) {
                return refuse(format!("the rule for '{}'", model.symbols[st.symbol].id));
            }
        }
    }
    for ev in events {
        if draws(&ev.trigger) {
            return refuse(format!("the trigger of event '{}'", ev.id));
        }
    }
    Ok(initial.iter().any(|(_, e)| draws(e))
        || events.iter().any(|ev| {
            ev.assignments.iter().any(|(_, e)| draws(e))
                || ev.delay.iter().chain(&ev.priority).any(draws)
        }))
}

struct ExprCompiler;

impl ExprCompiler {
    fn compile(&self, e: &Expr) -> Result<CExpr, EngineError> {
        Ok(match e {
            Expr::Num(x) => CExpr::Const(*x),
            Expr::Sym(s) => CExpr::Var(*s),
            Expr::Time => CExpr::Time,
            Expr::Apply(op, args) => {
                let args = args
                    .iter()
                    .map(|a| self.compile(a))
                    .collect::<Result<Vec<_>, _>>()?;
                apply(*op, args).ok_or_else(|| unsupported(&format!("MathML {op:?}")))?
            }
            Expr::Rate(e) => CExpr::Rate(Box::new(self.compile(e)?)),
            Expr::Piecewise(pieces, otherwise) => CExpr::Piecewise(
                pieces
                    .iter()
                    .map(|(c, v)| Ok((self.compile(c)?, self.compile(v)?)))
                    .collect::<Result<_, EngineError>>()?,
                Box::new(match otherwise {
                    Some(o) => self.compile(o)?,
                    None => CExpr::Const(f64::NAN),
                }),
            ),
        })
    }
}

impl Compiled {
    /// Uses native code for the hot evaluations where the model allows (`on`), or the
    /// interpreter everywhere: (re)builds the Jacobian program and the native kernels.
    pub fn set_native(&mut self, on: bool) {
        self.native = on;
        self.native_rhs = None;
        self.sensitivity_programs = SensitivityPrograms::default();
        self.jacobian = crate::jacobian::JacobianProgram::new(self);
        if on {
            self.native_rhs = crate::jit::NativeRhs::compile(self).map(std::sync::Arc::new);
        }
    }

    /// The Jacobian program differentiating also by the values in `parameters` (see
    /// `JacobianProgram::with_parameters`), from the cache when built before.
    pub fn sensitivity_program(
        &self,
        parameters: &[usize],
    ) -> Option<std::sync::Arc<crate::jacobian::JacobianProgram>> {
        let cached = |list: &Vec<(Vec<usize>, std::sync::Arc<_>)>| {
            list.iter()
                .find(|(p, _)| p.as_slice() == parameters)
                .map(|(_, prog)| std::sync::Arc::clone(prog))
        };
        if let Some(p) = self
            .sensitivity_programs
            .0
            .lock()
            .ok()
            .and_then(|l| cached(&l))
        {
            return Some(p);
        }
        let program = std::sync::Arc::new(crate::jacobian::JacobianProgram::with_parameters(
            self, parameters,
        )?);
        if let Ok(mut list) = self.sensitivity_programs.0.lock() {
            if list.len() >= MAX_SENSITIVITY_PROGRAMS {
                list.remove(0);
            }
            list.push((parameters.to_vec(), std::sync::Arc::clone(&program)));
        }
        Some(program)
    }

    /// The symbol's name, for messages.
    pub fn name(&self, s: SymbolId) -> &str {
        &self.model.symbols[s].id
    }

    /// Every slot's initial value (initial assignments applied, no overrides, no events),
    /// indexed by slot: a symbol's value as its formulas see it is `v[symbol]`.
    pub fn initial_values(&self) -> Vec<f64> {
        let mut sys = crate::runtime::Sys::new(self);
        for (slot, e) in &self.initial {
            sys.v[*slot] = sys.eval(e, 0.0);
        }
        sys.v
    }
}
