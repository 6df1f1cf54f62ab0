//! Check the account's credits.
//!
//! ```sh
//! cargo run --example balance
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let session = match support::connect(60.0).await {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match session.client.balance().await {
        Ok(balance) => {
            match balance.total() {
                Some(total) => println!("credits: {total}"),
                None => println!("the service answered without a balance: {balance:?}"),
            }
            ExitCode::SUCCESS
        }
        Err(error) => support::fail(&error),
    }
}
