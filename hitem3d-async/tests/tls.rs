//! The default transport's TLS (rustls with ring's provider): it speaks TLS, and it refuses a
//! server whose certificate no root vouches for, before any byte of a request is sent. The
//! server here is a test's own, on loopback, with a self-signed certificate made for this test
//! only (`tests/tls/`).

mod kit;

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hitem3d_async::Client;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS server on loopback that completes handshakes its client agrees to, and counts the
/// bytes of application data it receives.
fn self_signed_server() -> (String, Arc<AtomicUsize>) {
    let certificate =
        CertificateDer::from_pem_slice(include_bytes!("tls/self_signed.crt")).unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("tls/self_signed.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let connection = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut buffer = [0_u8; 4096];
            // A client that refuses the certificate ends the handshake: the read fails.
            while let Ok(read @ 1..) = tls.read(&mut buffer) {
                counted.fetch_add(read, Ordering::SeqCst);
            }
        }
    });
    (format!("https://127.0.0.1:{}", address.port()), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_no_root_vouches_for_is_refused_before_anything_is_sent() {
    let (base_url, received) = self_signed_server();
    let client = Client::new(kit::config_at(&base_url, "ak_tls", "sk_tls")).unwrap();
    let error = client.balance().await.unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("certificate"),
        "says the certificate was refused: {message}"
    );
    assert_eq!(
        received.load(Ordering::SeqCst),
        0,
        "no request byte reached the server"
    );
}
