//! One module per subcommand.

pub mod balance;
pub mod batch;
pub mod completions;
pub mod download;
pub mod estimate;
pub mod forget;
pub mod generate;
pub mod mesh;
pub mod relief;
pub mod resume;
pub mod status;
pub mod submit;
pub mod task_run;
pub mod tasks;
pub mod wait;
pub mod worker;
