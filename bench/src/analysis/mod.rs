//! What the runs of a bench say, as numbers: the runs grouped by regime, (pair, architecture)
//! and strategy ([`groups`]), mean ± std and paired intervals over seeds ([`stats`]), the
//! mixing curves fitted to a strategy's accuracies ([`fit`]), the best share r* with its
//! bootstrapped interval ([`optimum`]) and the added regime's transfer gap ([`transfer`]). The
//! report shows them; an adaptive search decides by them.

pub mod advice;
pub mod fit;
pub mod groups;
pub mod optimum;
pub mod stats;
pub mod transfer;
