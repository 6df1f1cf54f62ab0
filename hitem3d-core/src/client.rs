//! The client as a whole: its configuration, the shared core its jobs run on, the one driver
//! loop, `generate`'s options and the error every operation returns.

pub(crate) mod client_config;
pub(crate) mod client_core;
pub(crate) mod drive;
pub(crate) mod effects;
pub(crate) mod error;
pub(crate) mod generate;
pub(crate) mod started;
pub(crate) mod task_source;
