//! The real scheduler ticking every second.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use engine::jobs::{JobError, JobFn, JobSpec, Scheduler};

fn counting_job(counter: Arc<AtomicU64>, hang: bool) -> JobFn {
    Arc::new(move || {
        let counter = counter.clone();
        Box::pin(async move {
            counter.fetch_add(1, Ordering::SeqCst);
            if hang {
                std::future::pending::<()>().await;
            }
        })
    })
}

#[tokio::test]
async fn a_run_still_going_makes_the_next_start_skip() {
    let calls = Arc::new(AtomicU64::new(0));
    let scheduler = Scheduler::start(vec![JobSpec {
        name: "poll",
        schedule: "* * * * * *".into(),
        run: counting_job(calls.clone(), true),
    }])
    .await
    .expect("scheduler");
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let guard = scheduler.guard("poll").expect("scheduled");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the hung run is never doubled"
    );
    assert_eq!(guard.started(), 1);
    assert!(guard.skipped() >= 2, "skipped {}", guard.skipped());
    scheduler.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn quick_runs_are_not_skipped() {
    let calls = Arc::new(AtomicU64::new(0));
    let scheduler = Scheduler::start(vec![JobSpec {
        name: "retention",
        schedule: "* * * * * *".into(),
        run: counting_job(calls.clone(), false),
    }])
    .await
    .expect("scheduler");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let guard = scheduler.guard("retention").expect("scheduled");
    assert!(calls.load(Ordering::SeqCst) >= 2);
    assert_eq!(guard.skipped(), 0);
    scheduler.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_empty_schedule_turns_the_job_off() {
    let calls = Arc::new(AtomicU64::new(0));
    let scheduler = Scheduler::start(vec![JobSpec {
        name: "digest",
        schedule: "  ".into(),
        run: counting_job(calls.clone(), false),
    }])
    .await
    .expect("scheduler");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(scheduler.guard("digest").is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    scheduler.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_invalid_schedule_names_the_job() {
    let result = Scheduler::start(vec![JobSpec {
        name: "poll",
        schedule: "every quarter hour".into(),
        run: counting_job(Arc::default(), false),
    }])
    .await;
    let Err(error @ JobError::Schedule { .. }) = result else {
        panic!("expected a schedule error");
    };
    let text = error.to_string();
    assert!(text.contains("job `poll`"), "{text}");
    assert!(text.contains("every quarter hour"), "{text}");
}
