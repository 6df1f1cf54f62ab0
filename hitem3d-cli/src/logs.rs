//! `--verbose`: the SDK's tracing on stderr, for finding out what went wrong.

use std::io::IsTerminal;

use tracing_subscriber::filter::LevelFilter;

/// Writes the SDK's logs to stderr at the level `-v` counts give; none without `-v`. Colour
/// only on a terminal and without `NO_COLOR`.
pub fn start(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .init();
}
