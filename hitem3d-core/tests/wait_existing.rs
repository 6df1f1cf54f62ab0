//! A wait on a task this client did not submit (an id from an earlier run, a webhook, another
//! program) asks at once: the task may have finished long ago. A task the client just
//! submitted is first asked about later: at the first probe of a kind nothing is learnt about.

mod fake;

use std::time::Duration;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::Driver;
use hitem3d_core::types::TaskId;

#[test]
fn waiting_on_an_id_from_elsewhere_queries_at_once() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, SUCCESS]);

    let outcome =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.wait(&TaskId::new("t-1")), |_| {}))
            .expect("the task had finished");

    assert_eq!(outcome.polls, 1);
    assert_eq!(
        fx.clock.get(),
        Duration::ZERO,
        "no wait before the first query"
    );
}

#[test]
fn waiting_on_a_task_just_submitted_first_waits_for_the_first_probe() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, SUBMITTED, SUCCESS]);

    let task_id = block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap();
    block_on(Driver::new(&fx.core, &fx).run(fx.core.wait(&task_id), |_| {})).unwrap();

    assert_eq!(
        fx.clock.get(),
        Duration::from_secs(2),
        "asked at the first probe, not at once"
    );
}
