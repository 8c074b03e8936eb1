//! The render in progress on this thread (its Templar and root variables), so that lookups
//! such as `template` can render another file with the very variables of the caller.

use std::cell::RefCell;

use minijinja::Value as JValue;

use super::Templar;

thread_local! {
    static STACK: RefCell<Vec<(Templar, JValue)>> = const { RefCell::new(Vec::new()) };
}

/// Marks a render as current until the guard is dropped; renders nest (lazy variables render
/// inside renders), so this is a stack.
pub fn enter(templar: &Templar, vars: &JValue) -> Guard {
    STACK.with(|s| s.borrow_mut().push((templar.clone(), vars.clone())));
    Guard
}

/// The innermost render's Templar and root variables.
pub fn current() -> Option<(Templar, JValue)> {
    STACK.with(|s| s.borrow().last().cloned())
}

pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        STACK.with(|s| s.borrow_mut().pop());
    }
}
