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

const USAGE: &str = "usage: balance

Prints the account's credits (the built-in mock's without HITEM3D_CLIENT_ID and
HITEM3D_CLIENT_SECRET). Takes no arguments.";

#[tokio::main]
async fn main() -> ExitCode {
    match support::plain_arguments(USAGE) {
        Ok(args) if args.is_empty() => {}
        Ok(args) => {
            eprintln!(
                "error: balance takes no arguments, not {:?}\n\n{USAGE}",
                args.join(" ")
            );
            return ExitCode::from(2);
        }
        Err(exit) => return exit,
    }
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
                None => println!("the service answered without a balance"),
            }
            ExitCode::SUCCESS
        }
        Err(error) => support::fail(&error),
    }
}
