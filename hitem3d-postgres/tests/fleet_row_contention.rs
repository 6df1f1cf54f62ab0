//! An intent holds the fleet's row (its slots and credits) only for its own statements: a
//! process still opening a connection keeps no other machine's submit waiting.

use std::time::Duration;

use hitem3d_core::journal::{AsyncTaskJournal, Begun};
use hitem3d_journal::conformance::intent;
use hitem3d_postgres::{DatabaseUrl, PgJournal, ThrowawayCluster};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Ahead of the server: forwards every connection but the `held`th (counted from 1), which
/// waits until `release` says so. `opened` counts the connections accepted.
struct SlowConnection {
    port: u16,
    opened: watch::Receiver<usize>,
    release: watch::Sender<bool>,
}

impl SlowConnection {
    async fn start(server_port: u16, held: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (count, opened) = watch::channel(0);
        let (release, released) = watch::channel(false);
        tokio::spawn(async move {
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                count.send_modify(|opened| *opened += 1);
                let mut released = released.clone();
                let hold = *count.borrow() == held;
                tokio::spawn(async move {
                    if hold {
                        let _sender_gone = released.wait_for(|go| *go).await;
                    }
                    let mut server = TcpStream::connect(("127.0.0.1", server_port))
                        .await
                        .unwrap();
                    let _closed = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        Self {
            port,
            opened,
            release,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intent_whose_lock_session_is_still_connecting_keeps_no_other_intent_waiting() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("fleet_row_contention") else {
        return;
    };
    let direct = cluster.create_database().await.unwrap();
    // The journal's first connection (its pool's) goes through; its second, the session that
    // holds the locks of its submits in flight, waits.
    let mut slow = SlowConnection::start(cluster.port(), 2).await;
    let through_slow = direct.replace(
        &format!(":{}/", cluster.port()),
        &format!(":{}/", slow.port),
    );
    assert_ne!(through_slow, direct);
    let slow_journal = PgJournal::connect(&through_slow.parse::<DatabaseUrl>().unwrap())
        .await
        .unwrap();
    let other_machine = PgJournal::connect(&direct.parse::<DatabaseUrl>().unwrap())
        .await
        .unwrap();

    let waiting = tokio::spawn(async move {
        let begun = slow_journal.begin(&intent(Some("front.png glb"))).await;
        (slow_journal, begun)
    });
    slow.opened.wait_for(|opened| *opened == 2).await.unwrap();
    // Not a measure of speed: the other machine's intent either goes through or waits for
    // the held connection, which is released only after this.
    let other = tokio::time::timeout(
        Duration::from_secs(120),
        other_machine.begin(&intent(Some("back.png glb"))),
    )
    .await
    .expect("the other machine's intent waited for a connection being opened elsewhere")
    .unwrap();
    assert!(matches!(other, Begun::New(_)), "{other:?}");

    slow.release.send(true).unwrap();
    let (_journal, begun) = waiting.await.unwrap();
    assert!(matches!(begun.unwrap(), Begun::New(_)));
}
