//! Checking a list before it is sent (PRIV-06, PRIV-07, PRIV-08, PRIV-11)
//! and the sentence that explains each problem to the user.

use std::fmt;

use jid::Jid;

use super::{ItemType, MAX_NAME_BYTES, PrivacyItem, PrivacyList, quoted};

impl PrivacyList {
    /// Everything wrong with the list before it is sent (PRIV-06, PRIV-07,
    /// PRIV-08, PRIV-11), list-wide problems first, then by item order.
    /// Problems with [`Problem::is_warning`] may be sent anyway; the rest
    /// would be refused by the server or do something the user did not
    /// mean.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.len() > MAX_NAME_BYTES {
            problems.push(Problem::BadName);
        }
        if self.items.is_empty() {
            problems.push(Problem::Empty);
            return problems;
        }
        let mut sorted: Vec<&PrivacyItem> = self.items.iter().collect();
        sorted.sort_by_key(|item| item.order);
        for pair in sorted.windows(2) {
            let order = pair[1].order;
            if pair[0].order == order && problems.last() != Some(&Problem::DuplicateOrder(order)) {
                problems.push(Problem::DuplicateOrder(order));
            }
        }
        let last = sorted.len() - 1;
        for (index, item) in sorted.iter().enumerate() {
            if let Some(problem) = item_problem(item) {
                problems.push(problem);
            }
            if item.kind.is_none() && item.value.is_none() && index != last {
                problems.push(Problem::FallThroughNotLast(item.order));
            }
        }
        problems
    }
}

/// The one thing wrong with an item on its own, if any (PRIV-06).
fn item_problem(item: &PrivacyItem) -> Option<Problem> {
    let order = item.order;
    let Some(kind) = item.kind else {
        return item
            .value
            .is_some()
            .then_some(Problem::ValueWithoutType(order));
    };
    let Some(value) = item.value.as_deref() else {
        return Some(Problem::MissingValue(order));
    };
    match kind {
        ItemType::Jid if Jid::new(value).is_err() => Some(Problem::BadJid {
            order,
            value: value.to_owned(),
        }),
        ItemType::Subscription if !matches!(value, "both" | "to" | "from" | "none") => {
            Some(Problem::BadSubscription {
                order,
                value: value.to_owned(),
            })
        }
        ItemType::Group if value.is_empty() => Some(Problem::EmptyGroup(order)),
        _ => None,
    }
}

/// Something [`PrivacyList::validate`] found; the numbers are item orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// PRIV-11: sending a list without items deletes it.
    Empty,
    /// PRIV-07: the server answers `bad-request`.
    DuplicateOrder(u32),
    /// A typed item without a `value`.
    MissingValue(u32),
    BadJid {
        order: u32,
        value: String,
    },
    /// PRIV-06: only `both`, `to`, `from` and `none`.
    BadSubscription {
        order: u32,
        value: String,
    },
    EmptyGroup(u32),
    /// A `value` without a `type`: the item would match everyone.
    ValueWithoutType(u32),
    /// PRIV-08: items after the fall-through never apply. A warning.
    FallThroughNotLast(u32),
    /// Empty, or longer than [`MAX_NAME_BYTES`].
    BadName,
}

impl Problem {
    /// True for problems the list may still be sent with.
    pub fn is_warning(&self) -> bool {
        matches!(self, Problem::FallThroughNotLast(_))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str(
                "The list has no rules, and saving an empty list deletes it. Add a rule or delete the list.",
            ),
            Problem::DuplicateOrder(order) => write!(
                f,
                "More than one rule has order {order}. Each rule needs its own number."
            ),
            Problem::MissingValue(order) => {
                write!(f, "Rule {order} has a type but no value.")
            }
            Problem::BadJid { order, value } => {
                write!(f, "Rule {order}: {:?} is not a valid JID.", quoted(value))
            }
            Problem::BadSubscription { order, value } => write!(
                f,
                "Rule {order}: {:?} is not a subscription state. Use both, to, from or none.",
                quoted(value)
            ),
            Problem::EmptyGroup(order) => write!(f, "Rule {order} names an empty group."),
            Problem::ValueWithoutType(order) => write!(
                f,
                "Rule {order} has a value but no type, so it would match everyone."
            ),
            Problem::FallThroughNotLast(order) => write!(
                f,
                "Rule {order} matches everyone, so the rules after it never apply. Move it last."
            ),
            Problem::BadName => write!(
                f,
                "A list name must be between 1 and {MAX_NAME_BYTES} bytes long."
            ),
        }
    }
}
