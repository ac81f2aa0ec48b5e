//! Builds the IR from a parsed SBML document: resolves symbols, inlines functions,
//! classifies variables, matches algebraic rules to the variables they determine, and orders
//! assignments.

use std::collections::HashMap;

use her2sim_sbml as sbml;
use sbml::{Constant, Math, RuleKind};

use crate::order::topo_sort;
use crate::*;

/// Builds the validated IR of an SBML document.
pub fn build(doc: &sbml::Document) -> Result<Model, ModelError> {
    // fbc adds constraints for flux balance analysis beside the kinetic model (read into
    // `doc.fbc`, used by the engine's FBA); a kinetic simulation ignores it.
    let fbc_read = doc.fbc.is_some();
    for (prefix, required) in &doc.packages {
        if prefix == "fbc" && fbc_read {
            continue;
        }
        // distrib's draws are MathML csymbols (read as `Op::Draw`); its uncertainty
        // annotations describe a value and do not change what a simulation computes.
        if prefix == "distrib" {
            continue;
        }
        if prefix == "comp" || prefix == "fbc" || *required {
            return Err(ModelError::new(
                "<sbml>",
                None,
                format!(
                    "unsupported: SBML package '{prefix}' (her2sim reads SBML core only for now)"
                ),
            ));
        }
    }
    Builder::new(&doc.model)?.finish()
}

/// Most terms one formula may have after function definitions are inlined.
pub const MAX_EXPR_NODES: usize = 1_000_000;

/// Deepest nesting of one formula after inlining: every later pass (compilation, derivatives,
/// evaluation) recurses over it, and must stay far from the end of a thread's stack.
pub const MAX_EXPR_DEPTH: usize = 1500;

struct Builder<'a> {
    sbml: &'a sbml::Model,
    symbols: Vec<Symbol>,
    index: HashMap<String, SymbolId>,
    functions: HashMap<&'a str, (&'a [String], &'a Math, u32)>,
    /// Large inlined function calls hoisted into hidden assignment-rule symbols (ids follow
    /// `symbols`), and the call (function and arguments) each one stands for: a call made
    /// again reads the symbol, so the expression is a DAG, not an exponentially large tree.
    hoisted: std::cell::RefCell<Vec<Symbol>>,
    calls: std::cell::RefCell<HashMap<String, SymbolId>>,
}

/// An inlined call larger than this (in terms) becomes a hidden assignment rule.
const HOIST_FROM: usize = 500;

fn undefined(element: &str, line: u32, id: &str) -> ModelError {
    ModelError::new(
        element,
        Some(line),
        format!("refers to undefined symbol '{id}'"),
    )
}

/// Where a piece of math sits, for name resolution and error messages.
struct Scope<'s> {
    element: String,
    line: u32,
    /// Reaction whose local parameters shadow globals.
    reaction: Option<&'s str>,
}

impl<'a> Builder<'a> {
    fn new(m: &'a sbml::Model) -> Result<Self, ModelError> {
        let mut b = Builder {
            sbml: m,
            symbols: Vec::new(),
            index: HashMap::new(),
            functions: HashMap::new(),
            hoisted: Default::default(),
            calls: Default::default(),
        };
        for f in &m.function_definitions {
            match &f.math {
                Some(Math::Lambda(args, body)) => {
                    b.functions
                        .insert(&f.id, (args.as_slice(), body.as_ref(), f.line));
                }
                Some(_) => {
                    return Err(ModelError::new(
                        format!("functionDefinition '{}'", f.id),
                        Some(f.line),
                        "math is not a <lambda>",
                    ))
                }
                // A function without math is only an error if something calls it.
                None => {}
            }
        }
        for c in &m.compartments {
            b.add(Symbol {
                id: c.id.clone(),
                kind: SymbolKind::Compartment {
                    dimensions: c.spatial_dimensions.unwrap_or(3.0),
                },
                constant: c.constant,
                initial: InitialValue::Value(c.size.unwrap_or(1.0)),
                determined: Determined::Fixed,
                line: c.line,
            })?;
        }
        for p in &m.parameters {
            b.add(Symbol {
                id: p.id.clone(),
                kind: SymbolKind::Parameter,
                constant: p.constant,
                initial: p.value.map_or(InitialValue::Undefined, InitialValue::Value),
                determined: Determined::Fixed,
                line: p.line,
            })?;
        }
        for s in &m.species {
            let comp = *b
                .index
                .get(&s.compartment)
                .ok_or_else(|| undefined(&format!("species '{}'", s.id), s.line, &s.compartment))?;
            let dims = match b.symbols[comp].kind {
                SymbolKind::Compartment { dimensions } => dimensions,
                _ => {
                    return Err(ModelError::new(
                        format!("species '{}'", s.id),
                        Some(s.line),
                        format!("compartment '{}' is not a compartment", s.compartment),
                    ))
                }
            };
            let amount_valued = s.has_only_substance_units || dims == 0.0;
            let initial = match (s.initial_amount, s.initial_concentration) {
                (Some(a), _) if amount_valued => InitialValue::Value(a),
                (Some(a), _) => InitialValue::SpeciesAmount(a),
                (None, Some(c)) if amount_valued => InitialValue::SpeciesConcentration(c),
                (None, Some(c)) => InitialValue::Value(c),
                (None, None) => InitialValue::Undefined,
            };
            b.add(Symbol {
                id: s.id.clone(),
                kind: SymbolKind::Species {
                    compartment: comp,
                    amount_valued,
                    boundary: s.boundary_condition,
                    conversion_factor: None,
                },
                constant: s.constant,
                initial,
                determined: Determined::Fixed,
                line: s.line,
            })?;
        }
        for r in &m.reactions {
            b.add(Symbol {
                id: r.id.clone(),
                kind: SymbolKind::Reaction,
                constant: false,
                initial: InitialValue::Undefined,
                determined: Determined::Fixed,
                line: r.line,
            })?;
            for (k, sr) in r.reactants.iter().chain(&r.products).enumerate() {
                let id = match (&sr.id, &sr.stoichiometry_math) {
                    (Some(id), _) => id.clone(),
                    // stoichiometryMath without an id still needs a slot to evaluate into.
                    (None, Some(_)) => format!("{}.stoichiometry{}", r.id, k),
                    (None, None) => continue,
                };
                b.add(Symbol {
                    id,
                    kind: SymbolKind::SpeciesReference,
                    constant: sr.constant && sr.stoichiometry_math.is_none(),
                    initial: InitialValue::Value(sr.stoichiometry.unwrap_or(1.0)),
                    determined: Determined::Fixed,
                    line: sr.line,
                })?;
            }
            if let Some(kl) = &r.kinetic_law {
                for p in &kl.local_parameters {
                    b.add(Symbol {
                        id: format!("{}.{}", r.id, p.id),
                        kind: SymbolKind::LocalParameter,
                        constant: true,
                        initial: p.value.map_or(InitialValue::Undefined, InitialValue::Value),
                        determined: Determined::Fixed,
                        line: p.line,
                    })?;
                }
            }
        }
        // Conversion factors need every parameter registered first.
        let global_cf = match &m.conversion_factor {
            Some(cf) => Some(b.lookup(cf, "model", 0)?),
            None => None,
        };
        for s in &m.species {
            let cf = match &s.conversion_factor {
                Some(cf) => Some(b.lookup(cf, &format!("species '{}'", s.id), s.line)?),
                None => global_cf,
            };
            let id = b.index[&s.id];
            if let SymbolKind::Species {
                conversion_factor, ..
            } = &mut b.symbols[id].kind
            {
                *conversion_factor = cf;
            }
        }
        Ok(b)
    }

    fn add(&mut self, sym: Symbol) -> Result<(), ModelError> {
        if self.index.contains_key(&sym.id) || self.functions.contains_key(sym.id.as_str()) {
            return Err(ModelError::new(
                format!("'{}'", sym.id),
                Some(sym.line),
                "id is defined more than once",
            ));
        }
        self.index.insert(sym.id.clone(), self.symbols.len());
        self.symbols.push(sym);
        Ok(())
    }

    fn lookup(&self, id: &str, element: &str, line: u32) -> Result<SymbolId, ModelError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| undefined(element, line, id))
    }

    fn expr(&self, math: &Math, scope: &Scope) -> Result<Expr, ModelError> {
        let budget = std::cell::Cell::new(MAX_EXPR_NODES);
        let e = self.expr_in(math, scope, &HashMap::new(), 0, &budget)?;
        let depth = e.depth();
        if depth > MAX_EXPR_DEPTH {
            return Err(ModelError::new(
                scope.element.clone(),
                Some(scope.line),
                format!("its formula (with function definitions inlined) is nested {depth} levels deep, over the limit of {MAX_EXPR_DEPTH}"),
            ));
        }
        Ok(e)
    }

    fn expr_in(
        &self,
        math: &Math,
        scope: &Scope,
        args: &HashMap<&str, Expr>,
        depth: usize,
        budget: &std::cell::Cell<usize>,
    ) -> Result<Expr, ModelError> {
        let err = |msg: String| ModelError::new(scope.element.clone(), Some(scope.line), msg);
        // Inlining copies a function's body at every call: a chain of functions that each
        // call the previous one twice grows exponentially. Count what is built, and stop.
        let spend = |n: usize| {
            match budget.get().checked_sub(n) {
            Some(left) => {
                budget.set(left);
                Ok(())
            }
            None => Err(err(format!(
                "its formula grows past {MAX_EXPR_NODES} terms when function definitions are inlined; write the repeated parts as assignment rules"
            ))),
        }
        };
        spend(1)?;
        if depth > 64 {
            return Err(err(
                "function definitions call each other recursively".into()
            ));
        }
        let rec = |m: &Math| self.expr_in(m, scope, args, depth, budget);
        Ok(match math {
            Math::Num(x) => Expr::Num(*x),
            Math::Time => Expr::Time,
            Math::Avogadro => Expr::Num(AVOGADRO),
            Math::Const(c) => Expr::Num(match c {
                Constant::True => 1.0,
                Constant::False => 0.0,
                Constant::Pi => std::f64::consts::PI,
                Constant::ExponentialE => std::f64::consts::E,
                Constant::Infinity => f64::INFINITY,
                Constant::NotANumber => f64::NAN,
            }),
            Math::Ident(name) => {
                if let Some(e) = args.get(name.as_str()) {
                    spend(e.size())?;
                    return Ok(e.clone());
                }
                if depth > 0 {
                    return Err(err(format!(
                        "function body refers to '{name}', which is not one of its arguments"
                    )));
                }
                if let Some(r) = scope.reaction {
                    if let Some(&id) = self.index.get(&format!("{r}.{name}")) {
                        return Ok(Expr::Sym(id));
                    }
                }
                match self.index.get(name) {
                    Some(&id) => Expr::Sym(id),
                    None if self.functions.contains_key(name.as_str()) => {
                        return Err(err(format!("function '{name}' used without arguments")))
                    }
                    None => return Err(err(format!("refers to undefined symbol '{name}'"))),
                }
            }
            Math::Apply(op, xs) => {
                let xs = xs.iter().map(rec).collect::<Result<Vec<_>, _>>()?;
                if *op == Op::RateOf && !matches!(xs.first(), Some(Expr::Sym(_))) {
                    return Err(err("rateOf must be applied to a symbol".into()));
                }
                Expr::Apply(*op, xs)
            }
            Math::Piecewise(pieces, otherwise) => Expr::Piecewise(
                pieces
                    .iter()
                    .map(|(c, v)| Ok((rec(c)?, rec(v)?)))
                    .collect::<Result<Vec<_>, ModelError>>()?,
                otherwise
                    .as_ref()
                    .map(|o| rec(o))
                    .transpose()?
                    .map(Box::new),
            ),
            Math::Call(name, xs) => {
                let (params, body, _) = self
                    .functions
                    .get(name.as_str())
                    .ok_or_else(|| err(format!("calls undefined function '{name}'")))?;
                if params.len() != xs.len() {
                    return Err(err(format!(
                        "function '{name}' takes {} argument(s), given {}",
                        params.len(),
                        xs.len()
                    )));
                }
                let mut inner = HashMap::new();
                let mut args = Vec::with_capacity(xs.len());
                for (p, x) in params.iter().zip(xs) {
                    let a = rec(x)?;
                    args.push(a.clone());
                    inner.insert(p.as_str(), a);
                }
                let key = format!("{name}{args:?}");
                if let Some(&id) = self.calls.borrow().get(&key) {
                    return Ok(Expr::Sym(id));
                }
                let e = self.expr_in(body, scope, &inner, depth + 1, budget)?;
                if e.size() < HOIST_FROM {
                    e
                } else {
                    let mut hoisted = self.hoisted.borrow_mut();
                    let id = self.symbols.len() + hoisted.len();
                    hoisted.push(Symbol {
                        id: format!("__inlined_{name}_{id}"),
                        kind: SymbolKind::Parameter,
                        constant: false,
                        initial: InitialValue::Undefined,
                        determined: Determined::Assignment(e),
                        line: scope.line,
                    });
                    self.calls.borrow_mut().insert(key, id);
                    Expr::Sym(id)
                }
            }
            Math::Lambda(..) => return Err(err("a <lambda> can only define a function".into())),
        })
    }

    fn finish(mut self) -> Result<Model, ModelError> {
        let m = self.sbml;
        // Rules.
        let mut algebraic = Vec::new();
        for rule in &m.rules {
            let what = match rule.kind {
                RuleKind::Assignment => "assignmentRule",
                RuleKind::Rate => "rateRule",
                RuleKind::Algebraic => "algebraicRule",
            };
            let element = match &rule.variable {
                Some(v) => format!("{what} '{v}'"),
                None => what.to_string(),
            };
            let scope = Scope {
                element: element.clone(),
                line: rule.line,
                reaction: None,
            };
            let Some(math) = &rule.math else {
                // A rule without math places no constraint (SBML L3v2 allows it).
                continue;
            };
            let e = self.expr(math, &scope)?;
            match (&rule.kind, &rule.variable) {
                (RuleKind::Algebraic, _) => algebraic.push(e),
                (kind, Some(v)) => {
                    let id = self.lookup(v, &element, rule.line)?;
                    let sym = &mut self.symbols[id];
                    if sym.constant {
                        return Err(ModelError::new(
                            element,
                            Some(rule.line),
                            format!("sets '{v}', which is constant"),
                        ));
                    }
                    if sym.determined != Determined::Fixed {
                        return Err(ModelError::new(
                            element,
                            Some(rule.line),
                            format!("'{v}' already has a rule"),
                        ));
                    }
                    sym.determined = if *kind == RuleKind::Assignment {
                        Determined::Assignment(e)
                    } else {
                        Determined::Rate(e)
                    };
                }
                _ => {}
            }
        }
        // Reactions.
        let mut reactions = Vec::new();
        let mut in_reactions = vec![false; self.symbols.len()];
        for (ri, r) in m.reactions.iter().enumerate() {
            let rid = self.index[&r.id];
            let element = format!("reaction '{}'", r.id);
            let scope = Scope {
                element: element.clone(),
                line: r.line,
                reaction: Some(&r.id),
            };
            let rate = match r.kinetic_law.as_ref().and_then(|k| k.math.as_ref()) {
                Some(math) => self.expr(math, &scope)?,
                // No kinetic law: the reaction does not proceed.
                None => Expr::Num(0.0),
            };
            self.symbols[rid].determined = Determined::KineticLaw(ri);
            let mut stoich = |list: &[sbml::SpeciesReference], out: &mut Vec<Stoichiometry>| {
                for (k, sr) in list.iter().enumerate() {
                    let species = self.lookup(&sr.species, &element, sr.line)?;
                    if !matches!(self.symbols[species].kind, SymbolKind::Species { .. }) {
                        return Err(ModelError::new(
                            element.clone(),
                            Some(sr.line),
                            format!("'{}' is not a species", sr.species),
                        ));
                    }
                    in_reactions[species] = true;
                    let sym_id = sr.id.clone().or_else(|| {
                        sr.stoichiometry_math.as_ref().map(|_| {
                            let offset = if std::ptr::eq(list, r.products.as_slice()) {
                                r.reactants.len()
                            } else {
                                0
                            };
                            format!("{}.stoichiometry{}", r.id, k + offset)
                        })
                    });
                    let value = match sym_id {
                        Some(id) => {
                            let s = self.index[&id];
                            if let Some(sm) = &sr.stoichiometry_math {
                                let e = self.expr(sm, &scope)?;
                                self.symbols[s].determined = Determined::Assignment(e);
                            }
                            StoichValue::Symbol(s)
                        }
                        None => StoichValue::Const(sr.stoichiometry.unwrap_or(1.0)),
                    };
                    out.push(Stoichiometry { species, value });
                }
                Ok::<(), ModelError>(())
            };
            let mut reactants = Vec::new();
            let mut products = Vec::new();
            stoich(&r.reactants, &mut reactants)?;
            stoich(&r.products, &mut products)?;
            reactions.push(Reaction {
                symbol: rid,
                rate,
                reactants,
                products,
                fast: r.fast,
            });
        }
        // Species changed by reactions must not also have rules.
        for (i, sym) in self.symbols.iter_mut().enumerate() {
            if let SymbolKind::Species { boundary, .. } = sym.kind {
                let reacts = in_reactions[i] && !boundary && !sym.constant;
                if reacts && sym.determined != Determined::Fixed {
                    return Err(ModelError::new(
                        format!("species '{}'", sym.id),
                        Some(sym.line),
                        "is changed by both a rule and reactions (make it a boundary species)",
                    ));
                }
            }
        }
        self.take_hoisted();
        self.match_algebraic(&algebraic, &in_reactions)?;
        // Remaining species keep their amount as state (reactions may change it; a changing
        // compartment then changes the concentration and keeps the amount, as the SBML Test
        // Suite expects even for constant species).
        for sym in &mut self.symbols {
            if matches!(sym.kind, SymbolKind::Species { .. }) && sym.determined == Determined::Fixed
            {
                sym.determined = Determined::Reactions;
            }
        }
        // Initial assignments.
        for ia in &m.initial_assignments {
            let element = format!("initialAssignment '{}'", ia.symbol);
            let id = self.lookup(&ia.symbol, &element, ia.line)?;
            let Some(math) = &ia.math else { continue };
            let scope = Scope {
                element,
                line: ia.line,
                reaction: None,
            };
            let e = self.expr(math, &scope)?;
            self.symbols[id].initial = InitialValue::Assigned(e);
        }
        let events = self.events()?;
        self.take_hoisted();
        let mut model = Model {
            id: m.id.clone().unwrap_or_default(),
            symbols: std::mem::take(&mut self.symbols),
            reactions,
            algebraic_rules: algebraic,
            events,
            assignment_order: Vec::new(),
            initial_order: Vec::new(),
        };
        crate::rateof::expand_rate_of(&mut model)?;
        self.symbols = std::mem::take(&mut model.symbols);
        let (assignment_order, initial_order) = self.orders(&model.reactions)?;
        model.symbols = std::mem::take(&mut self.symbols);
        model.assignment_order = assignment_order;
        model.initial_order = initial_order;
        Ok(model)
    }

    /// Moves the hoisted call symbols into the symbol table (their ids were reserved).
    fn take_hoisted(&mut self) {
        let hoisted = std::mem::take(&mut *self.hoisted.borrow_mut());
        self.symbols.extend(hoisted);
    }

    /// Pairs each algebraic rule with a distinct variable it mentions that nothing else
    /// determines (maximum bipartite matching, augmenting paths).
    fn match_algebraic(&mut self, rules: &[Expr], in_reactions: &[bool]) -> Result<(), ModelError> {
        if rules.is_empty() {
            return Ok(());
        }
        let free = |i: usize, s: &Symbol| {
            !s.constant
                && s.determined == Determined::Fixed
                && match s.kind {
                    SymbolKind::Species { boundary, .. } => boundary || !in_reactions[i],
                    SymbolKind::Reaction | SymbolKind::LocalParameter => false,
                    _ => true,
                }
        };
        let candidates: Vec<Vec<SymbolId>> = rules
            .iter()
            .map(|r| {
                let mut deps = Vec::new();
                r.instant_deps(&mut deps);
                deps.sort_unstable();
                deps.dedup();
                deps.retain(|&d| free(d, &self.symbols[d]));
                // Prefer variables nothing else gives a value: no initial value, no event.
                deps.sort_by_key(|&d| {
                    let s = &self.symbols[d];
                    let has_value = !matches!(s.initial, InitialValue::Undefined);
                    let event_set = self
                        .sbml
                        .events
                        .iter()
                        .flat_map(|e| &e.assignments)
                        .any(|a| a.variable == s.id);
                    (event_set, has_value)
                });
                deps
            })
            .collect();
        let mut owner: HashMap<SymbolId, usize> = HashMap::new();
        fn augment(
            r: usize,
            cands: &[Vec<SymbolId>],
            owner: &mut HashMap<SymbolId, usize>,
            seen: &mut Vec<SymbolId>,
        ) -> bool {
            for &v in &cands[r] {
                if seen.contains(&v) {
                    continue;
                }
                seen.push(v);
                let prev = owner.get(&v).copied();
                if prev.is_none_or(|p| augment(p, cands, owner, seen)) {
                    owner.insert(v, r);
                    return true;
                }
            }
            false
        }
        for r in 0..rules.len() {
            if !augment(r, &candidates, &mut owner, &mut Vec::new()) {
                return Err(ModelError::new(
                    "algebraicRule",
                    None,
                    format!(
                        "unsupported: algebraic rule {} determines no variable that is free (the model is over-determined or needs an index reduction)",
                        r + 1
                    ),
                ));
            }
        }
        for (v, r) in owner {
            self.symbols[v].determined = Determined::Algebraic(r);
        }
        Ok(())
    }

    fn events(&self) -> Result<Vec<Event>, ModelError> {
        let mut out = Vec::new();
        for (k, e) in self.sbml.events.iter().enumerate() {
            let id = e.id.clone().unwrap_or_else(|| format!("event{}", k + 1));
            let element = format!("event '{id}'");
            let scope = Scope {
                element: element.clone(),
                line: e.line,
                reaction: None,
            };
            // An event without a trigger (or without trigger math) never fires.
            let never = Math::Const(Constant::False);
            let (trigger_math, initial_value, persistent) = match &e.trigger {
                Some(t) => (
                    t.math.as_ref().unwrap_or(&never),
                    t.initial_value,
                    t.persistent,
                ),
                None => (&never, true, true),
            };
            let mut assignments = Vec::new();
            for a in &e.assignments {
                let target = self.lookup(&a.variable, &element, a.line)?;
                let sym = &self.symbols[target];
                if sym.constant {
                    return Err(ModelError::new(
                        element,
                        Some(a.line),
                        format!("assigns '{}', which is constant", a.variable),
                    ));
                }
                if matches!(sym.determined, Determined::Assignment(_)) {
                    return Err(ModelError::new(
                        element,
                        Some(a.line),
                        format!("assigns '{}', which has an assignment rule", a.variable),
                    ));
                }
                if let Some(math) = &a.math {
                    assignments.push((target, self.expr(math, &scope)?));
                }
            }
            out.push(Event {
                id,
                trigger: self.expr(trigger_math, &scope)?,
                initial_value,
                persistent,
                delay: e.delay.as_ref().map(|d| self.expr(d, &scope)).transpose()?,
                priority: e
                    .priority
                    .as_ref()
                    .map(|p| self.expr(p, &scope))
                    .transpose()?,
                use_values_from_trigger_time: e.use_values_from_trigger_time,
                assignments,
            });
        }
        Ok(out)
    }

    /// The per-evaluation assignment order and the initial-value order.
    fn orders(&self, reactions: &[Reaction]) -> Result<(Vec<SymbolId>, Vec<SymbolId>), ModelError> {
        let n = self.symbols.len();
        let dynamic_deps = |id: SymbolId| -> Vec<SymbolId> {
            let sym = &self.symbols[id];
            let mut d = Vec::new();
            match &sym.determined {
                Determined::Assignment(e) => e.instant_deps(&mut d),
                Determined::KineticLaw(ri) => reactions[*ri].rate.instant_deps(&mut d),
                Determined::Reactions => {
                    if let SymbolKind::Species {
                        compartment,
                        amount_valued: false,
                        ..
                    } = sym.kind
                    {
                        d.push(compartment);
                    }
                }
                _ => {}
            }
            d
        };
        let dynamic: Vec<SymbolId> = (0..n)
            .filter(|&i| {
                let s = &self.symbols[i];
                match s.determined {
                    Determined::Assignment(_) | Determined::KineticLaw(_) => true,
                    Determined::Reactions => matches!(
                        s.kind,
                        SymbolKind::Species {
                            amount_valued: false,
                            ..
                        }
                    ),
                    _ => false,
                }
            })
            .collect();
        let assignment_order =
            topo_sort(&dynamic, n, dynamic_deps).map_err(|cycle| self.cycle_error(&cycle))?;
        let initial_deps = |id: SymbolId| -> Vec<SymbolId> {
            let sym = &self.symbols[id];
            let mut d = Vec::new();
            match &sym.determined {
                Determined::Assignment(e) => e.instant_deps(&mut d),
                Determined::KineticLaw(ri) => reactions[*ri].rate.instant_deps(&mut d),
                _ => match &sym.initial {
                    InitialValue::Assigned(e) => e.instant_deps(&mut d),
                    InitialValue::SpeciesAmount(_) | InitialValue::SpeciesConcentration(_) => {
                        if let SymbolKind::Species { compartment, .. } = sym.kind {
                            d.push(compartment)
                        }
                    }
                    _ => {}
                },
            }
            d
        };
        let all: Vec<SymbolId> = (0..n).collect();
        let initial_order =
            topo_sort(&all, n, initial_deps).map_err(|cycle| self.cycle_error(&cycle))?;
        Ok((assignment_order, initial_order))
    }

    fn cycle_error(&self, cycle: &[SymbolId]) -> ModelError {
        let names: Vec<&str> = cycle.iter().map(|&i| self.symbols[i].id.as_str()).collect();
        let first = cycle.first().map_or(0, |&i| self.symbols[i].line);
        ModelError::new(
            format!("'{}'", names.first().copied().unwrap_or("?")),
            Some(first),
            format!("circular dependency: {}", names.join(" -> ")),
        )
    }
}
