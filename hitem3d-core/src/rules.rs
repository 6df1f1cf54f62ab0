//! What may be sent and saved: every rule of a submit, relief or mesh task, checked before a
//! byte goes out, and the names result files may take.

pub(crate) mod content_check;
pub(crate) mod file_name;
pub(crate) mod mesh_file;
pub(crate) mod mesh_task;
pub(crate) mod new_task;
pub(crate) mod relief_task;
pub(crate) mod submit;
