use std::time::Duration;

use leptos::prelude::*;

use crate::{
    api::polling::{PollNow, PollProgressView, poll_progress},
    components::form_feedback::FormAlert,
    errors::{AppError, island_form_error},
};

/// The progress of the running (or last) poll, fetched again whenever `tick` moves
/// or "Poll now" answers. Made by the page, once, so re-rendering the panel does not
/// ask the server again.
#[derive(Clone, Copy)]
pub struct PollProgressSource {
    pub tick: RwSignal<u32>,
    pub progress: Resource<Result<PollProgressView, AppError>>,
}

impl PollProgressSource {
    pub fn new(action: ServerAction<PollNow>) -> Self {
        let tick = RwSignal::new(0_u32);
        let progress = Resource::new(
            move || (tick.get(), action.version().get()),
            |_| poll_progress(),
        );
        Self { tick, progress }
    }
}

/// How often the browser asks for progress while a poll runs.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// "Poll all now" and the progress of the running poll: which keys are done, which
/// failed. While a poll runs, the browser asks for progress every second and, when it
/// ends, calls `on_finished` (the overview then fetches its rows again). Without
/// JavaScript the button posts and the page shows the progress as of that moment.
#[component]
pub fn PollNowPanel(
    action: ServerAction<PollNow>,
    source: PollProgressSource,
    can_poll: bool,
    on_finished: Callback<()>,
    /// What a post without JavaScript was refused with, from the URL.
    poll_error: Option<AppError>,
) -> impl IntoView {
    let PollProgressSource { tick, progress } = source;
    let timer = StoredValue::new(None::<IntervalHandle>);
    // The last "Poll now" answer whose end the overview has been told about: a poll
    // of one key may be over before its progress is first fetched.
    let handled = StoredValue::new(action.version().get_untracked());
    Effect::new(move |_| {
        let Some(Ok(state)) = progress.get() else {
            return;
        };
        let running = state.running || state.busy;
        match (running, timer.get_value()) {
            (true, None) => {
                if let Ok(handle) =
                    set_interval_with_handle(move || tick.update(|n| *n += 1), PROGRESS_EVERY)
                {
                    timer.set_value(Some(handle));
                }
            }
            (false, Some(handle)) => {
                handle.clear();
                timer.set_value(None);
                handled.set_value(action.version().get_untracked());
                on_finished.run(());
            }
            _ => {}
        }
        let answered = action.version().get_untracked();
        if !running && answered != handled.get_value() {
            handled.set_value(answered);
            on_finished.run(());
        }
    });
    on_cleanup(move || {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
    });

    view! {
        <section class="poll-now" aria-label="Poll now">
            {can_poll.then(|| view! {
                <ActionForm action attr:class="inline-form" attr:id="poll-all-form">
                    <button type="submit" id="poll-all">"Poll all now"</button>
                </ActionForm>
            })}
            <FormAlert error=island_form_error(action, poll_error)/>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    progress.await.ok().map(|state| view! { <PollProgress state/> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PollProgress(state: PollProgressView) -> impl IntoView {
    if !state.any {
        return state
            .busy
            .then(|| view! { <p class="poll-status" role="status">"A scheduled poll is running."</p> })
            .into_any();
    }
    let done = state.done.len();
    let headline = if state.running {
        format!(
            "Polling {} (started by {}): {done} of {} done, {} failed",
            state.what, state.started_by, state.total, state.failed
        )
    } else {
        format!(
            "Last poll of {} (started by {}): {} ok, {} failed",
            state.what, state.started_by, state.ok, state.failed
        )
    };
    let lines = state
        .done
        .into_iter()
        .map(|line| {
            let class = format!("poll-line poll-{}", line.outcome);
            view! {
                <li class=class data-key-id=line.key_id>
                    <span class="poll-label">{line.label}</span>": "
                    <span class="poll-outcome">{line.outcome}</span>" — "{line.summary}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="poll-progress" data-running=state.running.to_string()>
            <p class="poll-status" role="status">{headline}</p>
            {state.failure.map(|f| view! { <p class="form-alert" role="alert">{f}</p> })}
            <details open=state.running>
                <summary>"Keys done"</summary>
                <ul class="poll-lines">{lines}</ul>
            </details>
        </div>
    }
    .into_any()
}
