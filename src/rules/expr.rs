//! A small, sandboxed expression language for company formulas in rule
//! files, over exact decimals: numbers, variables, `+ - * /`, comparisons,
//! `&& || !`, and the functions `min`, `max`, `abs`, `if`, `round`.
//! No loops, no I/O, no floats: a formula can only compute a number.
//! Parse errors carry the column; evaluation errors name the variable.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::model::{Precision, RoundMode, Rounding};

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(Decimal),
    Var(String),
    /// A variable bound to its slot when the rules load ([`Expr::bind`]).
    Slot(usize, String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// A built-in function, resolved when the formula is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Min,
    Max,
    Abs,
    If,
    Round,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// What went wrong, with the 1-based column for parse errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column > 0 {
            write!(f, "column {}: {}", self.column, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Decimal),
    Ident(String),
    Sym(&'static str),
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = Decimal::from_str(&text).map_err(|_| ExprError {
                column: col,
                message: format!("`{text}` is not a number"),
            })?;
            out.push((Tok::Num(n), col));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), col));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = ["==", "!=", "<=", ">=", "&&", "||"]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| {
                    ["+", "-", "*", "/", "<", ">", "!", "(", ")", ","]
                        .into_iter()
                        .find(|s| s.starts_with(c))
                })
                .ok_or_else(|| ExprError {
                    column: col,
                    message: format!("unexpected character `{c}`"),
                })?;
            i += sym.len();
            out.push((Tok::Sym(sym), col));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(_, c)| *c)
    }
    fn eat(&mut self, sym: &str) -> bool {
        if self.peek()
            == Some(&Tok::Sym(match sym {
                "(" => "(",
                ")" => ")",
                "," => ",",
                _ => return false,
            }))
        {
            self.pos += 1;
            return true;
        }
        false
    }
    fn err(&self, message: impl Into<String>) -> ExprError {
        ExprError {
            column: self.col(),
            message: message.into(),
        }
    }
    fn binary(
        &mut self,
        ops: &[(&'static str, Op)],
        next: fn(&mut Parser) -> Result<Expr, ExprError>,
    ) -> Result<Expr, ExprError> {
        let mut left = next(self)?;
        while let Some(Tok::Sym(s)) = self.peek() {
            let Some((_, op)) = ops.iter().find(|(sym, _)| sym == s) else {
                break;
            };
            let op = *op;
            self.pos += 1;
            let right = next(self)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn or(&mut self) -> Result<Expr, ExprError> {
        self.binary(&[("||", Op::Or)], Parser::and)
    }
    fn and(&mut self) -> Result<Expr, ExprError> {
        self.binary(&[("&&", Op::And)], Parser::cmp)
    }
    fn cmp(&mut self) -> Result<Expr, ExprError> {
        self.binary(
            &[
                ("==", Op::Eq),
                ("!=", Op::Ne),
                ("<=", Op::Le),
                (">=", Op::Ge),
                ("<", Op::Lt),
                (">", Op::Gt),
            ],
            Parser::add,
        )
    }
    fn add(&mut self) -> Result<Expr, ExprError> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Parser::mul)
    }
    fn mul(&mut self) -> Result<Expr, ExprError> {
        self.binary(&[("*", Op::Mul), ("/", Op::Div)], Parser::unary)
    }
    fn unary(&mut self) -> Result<Expr, ExprError> {
        match self.peek() {
            Some(Tok::Sym("-")) => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Some(Tok::Sym("!")) => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            _ => self.primary(),
        }
    }
    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.peek().cloned() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Expr::Num(n))
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat(")") {
                                break;
                            }
                            if !self.eat(",") {
                                return Err(self.err("expected `,` or `)`"));
                            }
                        }
                    }
                    let func = check_arity(&name, args.len()).map_err(|m| self.err(m))?;
                    Ok(Expr::Call(func, args))
                } else {
                    Ok(Expr::Var(name))
                }
            }
            Some(Tok::Sym("(")) => {
                self.pos += 1;
                let e = self.or()?;
                if !self.eat(")") {
                    return Err(self.err("expected `)`"));
                }
                Ok(e)
            }
            Some(other) => Err(self.err(format!("unexpected `{}`", tok_text(&other)))),
            None => Err(self.err("the formula ends too early")),
        }
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Num(n) => n.to_string(),
        Tok::Ident(s) => s.clone(),
        Tok::Sym(s) => (*s).to_string(),
    }
}

fn check_arity(name: &str, n: usize) -> Result<Func, String> {
    let (func, ok) = match name {
        "min" => (Func::Min, n >= 2),
        "max" => (Func::Max, n >= 2),
        "abs" => (Func::Abs, n == 1),
        "if" => (Func::If, n == 3),
        "round" => (Func::Round, n == 2),
        _ => return Err(format!("unknown function `{name}`; use min, max, abs, if, round")),
    };
    if ok {
        Ok(func)
    } else {
        Err(format!("wrong number of arguments to `{name}`"))
    }
}

/// Parses a formula.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let toks = lex(src)?;
    let mut p = Parser {
        end_col: src.chars().count() + 1,
        toks,
        pos: 0,
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(p.err("unexpected text after the formula"));
    }
    Ok(e)
}

/// Where evaluation reads variables from.
enum Vars<'a> {
    Named(&'a dyn Fn(&str) -> Option<Decimal>),
    Slots(&'a [Decimal]),
}

fn truth(d: Decimal) -> bool {
    !d.is_zero()
}

fn flag(b: bool) -> Decimal {
    if b { Decimal::ONE } else { Decimal::ZERO }
}

impl Expr {
    /// Variables the formula reads.
    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Expr::Num(_) => {}
            Expr::Var(v) | Expr::Slot(_, v) => {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Expr::Neg(e) | Expr::Not(e) => e.variables(out),
            Expr::Bin(_, a, b) => {
                a.variables(out);
                b.variables(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.variables(out)),
        }
    }

    /// Binds each variable named in `names` to its index there, so that
    /// [`Expr::eval_slots`] reads it without a lookup by name. Other names
    /// stay unbound (and fail at evaluation, naming the variable).
    pub fn bind(&mut self, names: &[&str]) {
        match self {
            Expr::Num(_) | Expr::Slot(..) => {}
            Expr::Var(v) => {
                if let Some(i) = names.iter().position(|n| n == v) {
                    *self = Expr::Slot(i, std::mem::take(v));
                }
            }
            Expr::Neg(e) | Expr::Not(e) => e.bind(names),
            Expr::Bin(_, a, b) => {
                a.bind(names);
                b.bind(names);
            }
            Expr::Call(_, args) => args.iter_mut().for_each(|a| a.bind(names)),
        }
    }

    /// Evaluates with exact decimals; unknown variables and division by
    /// zero are errors, never panics.
    pub fn eval(&self, vars: &HashMap<String, Decimal>) -> Result<Decimal, ExprError> {
        self.eval_with(&|name: &str| vars.get(name).copied())
    }

    /// Evaluates with a variable lookup by name (bound variables too).
    pub fn eval_with(&self, vars: &dyn Fn(&str) -> Option<Decimal>) -> Result<Decimal, ExprError> {
        Self::finish(|error| self.value(&Vars::Named(vars), error))
    }

    /// Evaluates with the values of the bound variables, by slot (see
    /// [`Expr::bind`]); an unbound variable is an error.
    pub fn eval_slots(&self, slots: &[Decimal]) -> Result<Decimal, ExprError> {
        Self::finish(|error| self.value(&Vars::Slots(slots), error))
    }

    fn finish(value: impl FnOnce(&mut Option<ExprError>) -> Decimal) -> Result<Decimal, ExprError> {
        let mut error = None;
        let value = value(&mut error);
        match error {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }

    /// The value, or zero with the first error left in `error`: a plain
    /// return keeps the hot path cheap, and an error is never lost. The
    /// rare branches (functions, errors) are out of line, so that each
    /// step of the recursion stays small.
    fn value(&self, vars: &Vars<'_>, error: &mut Option<ExprError>) -> Decimal {
        match self {
            Expr::Num(n) => *n,
            Expr::Var(v) | Expr::Slot(_, v) => {
                let found = match (self, vars) {
                    (Expr::Slot(i, _), Vars::Slots(slots)) => slots.get(*i).copied(),
                    (_, Vars::Named(by_name)) => by_name(v),
                    _ => None,
                };
                match found {
                    Some(x) => x,
                    None => fail(error, || format!("unknown variable `{v}`")),
                }
            }
            Expr::Neg(e) => -e.value(vars, error),
            Expr::Not(e) => flag(!truth(e.value(vars, error))),
            Expr::Bin(op, a, b) => {
                let x = a.value(vars, error);
                // Short-circuit logic.
                match op {
                    Op::And if !truth(x) => return Decimal::ZERO,
                    Op::Or if truth(x) => return Decimal::ONE,
                    _ => {}
                }
                let y = b.value(vars, error);
                let checked = |r: Option<Decimal>, error: &mut Option<ExprError>, what: &'static str| match r {
                    Some(v) => v,
                    None => fail(error, || what.to_string()),
                };
                match op {
                    Op::Add => checked(x.checked_add(y), error, "overflow"),
                    Op::Sub => checked(x.checked_sub(y), error, "overflow"),
                    Op::Mul => checked(x.checked_mul(y), error, "overflow"),
                    Op::Div => checked(x.checked_div(y), error, "division by zero"),
                    Op::Eq => flag(x == y),
                    Op::Ne => flag(x != y),
                    Op::Lt => flag(x < y),
                    Op::Le => flag(x <= y),
                    Op::Gt => flag(x > y),
                    Op::Ge => flag(x >= y),
                    Op::And | Op::Or => flag(truth(y)),
                }
            }
            Expr::Call(func, args) => call(*func, args, vars, error),
        }
    }
}

/// Records the first error (its message built only then) and gives zero.
#[cold]
#[inline(never)]
fn fail(error: &mut Option<ExprError>, message: impl FnOnce() -> String) -> Decimal {
    if error.is_none() {
        *error = Some(ExprError {
            column: 0,
            message: message(),
        });
    }
    Decimal::ZERO
}

/// A built-in function's value.
#[inline(never)]
fn call(func: Func, args: &[Expr], vars: &Vars<'_>, error: &mut Option<ExprError>) -> Decimal {
    let arg = |i: usize, error: &mut Option<ExprError>| match args.get(i) {
        Some(a) => a.value(vars, error),
        None => fail(error, || format!("missing argument {}", i + 1)),
    };
    match func {
        Func::If => {
            if truth(arg(0, error)) {
                arg(1, error)
            } else {
                arg(2, error)
            }
        }
        Func::Abs => arg(0, error).abs(),
        Func::Round => {
            let x = arg(0, error);
            let places = arg(1, error);
            let to = match places.normalize().to_string().as_str() {
                "0" => Precision::Yuan,
                "1" => Precision::Jiao,
                "2" => Precision::Fen,
                other => {
                    let other = other.to_string();
                    return fail(error, || format!("round(x, {other}): places must be 0, 1 or 2"));
                }
            };
            Rounding::new(to, RoundMode::HalfUp).apply(x)
        }
        Func::Min | Func::Max => {
            let mut best = arg(0, error);
            for a in args.iter().skip(1) {
                let v = a.value(vars, error);
                if (func == Func::Min && v < best) || (func == Func::Max && v > best) {
                    best = v;
                }
            }
            best
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn eval(src: &str, vars: &[(&str, Decimal)]) -> Result<Decimal, ExprError> {
        let map = vars.iter().map(|(k, v)| ((*k).to_string(), *v)).collect();
        parse(src)?.eval(&map)
    }

    /// Bound variables read their slot; by name they still work; a name
    /// that was not bound fails naming it.
    #[test]
    fn bound_variables_read_their_slots() {
        let mut e = parse("if(a > 1, b * 2, c)").unwrap();
        e.bind(&["b", "a"]);
        assert_eq!(e.eval_slots(&[dec!(5), dec!(3)]), Ok(dec!(10)));
        assert_eq!(
            e.eval_with(&|n| (n == "a").then_some(dec!(3)).or(Some(dec!(7)))),
            Ok(dec!(14))
        );
        let err = e.eval_slots(&[dec!(5), dec!(0)]).err().map(|e| e.message);
        assert_eq!(err.as_deref(), Some("unknown variable `c`"));
        let mut vars = Vec::new();
        e.variables(&mut vars);
        assert_eq!(vars, ["a", "b", "c"]);
    }

    #[test]
    fn arithmetic_is_exact_and_precedence_holds() {
        assert_eq!(eval("0.1 + 0.2", &[]), Ok(dec!(0.3)));
        assert_eq!(eval("2 + 3 * 4", &[]), Ok(dec!(14)));
        assert_eq!(eval("(2 + 3) * 4", &[]), Ok(dec!(20)));
        assert_eq!(eval("-base / 21.75 * 2", &[("base", dec!(21750))]), Ok(dec!(-2000)));
        assert_eq!(eval("round(10 / 3, 2)", &[]), Ok(dec!(3.33)));
        assert_eq!(eval("round(2.345, 2)", &[]), Ok(dec!(2.35)));
    }

    #[test]
    fn logic_and_functions() {
        let v = [("a", dec!(0)), ("b", dec!(31))];
        assert_eq!(eval("if(a == 0 && b >= 28, 200, 0)", &v), Ok(dec!(200)));
        assert_eq!(eval("if(!(a == 0) || b < 28, 200, 0)", &v), Ok(dec!(0)));
        assert_eq!(eval("max(1, 5, 3) - min(4, 2)", &[]), Ok(dec!(3)));
        assert_eq!(eval("abs(-7)", &[]), Ok(dec!(7)));
    }

    #[test]
    fn errors_are_values_not_panics() {
        assert_eq!(
            eval("1 / 0", &[]).map_err(|e| e.message),
            Err("division by zero".into())
        );
        assert_eq!(
            eval("x + 1", &[]).map_err(|e| e.message),
            Err("unknown variable `x`".into())
        );
        assert_eq!(parse("1 +").map_err(|e| e.column), Err(4));
        assert_eq!(parse("1 $ 2").map_err(|e| e.column), Err(3));
        assert!(parse("foo(1)").is_err());
        assert!(parse("if(1, 2)").is_err());
        assert!(parse("(1 + 2").is_err());
        assert!(parse("1 2").is_err());
    }
}
