//! The plan's last task previewed while the tasks it needs finish: the report written partial as
//! runs finish, so a long bench shows its first results minutes after it starts.

use std::time::{Duration, Instant};

use crate::dir::BenchDir;
use crate::experiment::Experiment;
use crate::plan::Plan;
use crate::stage::Stage;
use crate::tasks::{self, State};

/// The plan's last task previewed as the tasks it needs finish — the report marked partial, with
/// what is left — at most once every `every`, so a long bench shows its first results minutes
/// after it starts; never once the last task may run.
pub(super) struct Preview<'a> {
    plan: &'a Plan,
    experiment: &'a Experiment,
    out: &'a BenchDir,
    every: Option<Duration>,
    last: Instant,
    done: u64,
}

impl<'a> Preview<'a> {
    pub(super) fn new(
        plan: &'a Plan,
        experiment: &'a Experiment,
        out: &'a BenchDir,
        every: Option<Duration>,
    ) -> Preview<'a> {
        Preview {
            plan,
            experiment,
            out,
            every,
            last: Instant::now(),
            done: tasks::done(plan, out),
        }
    }

    /// Previews unless the last preview is recent, nothing finished since, nothing is left,
    /// or the last task has started (`started`).
    pub(super) fn maybe(&mut self, started: bool) {
        let Some(every) = self.every else {
            return;
        };
        let last = &self.plan.stage(Stage::Report)[0];
        let done = tasks::done(self.plan, self.out);
        let left = self
            .plan
            .stage(Stage::Train)
            .iter()
            .filter(|t| !matches!(tasks::state(self.out, t.id), State::Done(_)))
            .count();
        if self.last.elapsed() < every || done == self.done || left == 0 || started {
            return;
        }
        (self.last, self.done) = (Instant::now(), done);
        let kind = last.work.kind();
        let previewed = kind
            .preview(self.out, self.experiment, left)
            .and_then(|_| self.out.push(&kind.outputs(self.out)));
        if let Err(error) = previewed {
            tracing::warn!("{}: no partial preview ({error:#})", last.work);
        }
    }
}
