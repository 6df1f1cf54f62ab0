//! Pictures sent from disk: opened for their length and first bytes, streamed when sent.

use std::fs::File;
use std::path::Path;

use futures_util::{Stream, stream};
use hitem3d_core::front_end::*;

/// Bytes handed to the request at a time while a file is streamed.
const CHUNK: usize = 64 * 1024;

/// A picture on disk, checked like one in memory (size, format from its first bytes) but
/// never read whole: the transport streams the file as it sends the task, so a submit's memory
/// does not grow with its pictures.
///
/// # Errors
/// [`Error::File`] when the file cannot be opened or read.
pub async fn image_from_path(path: impl AsRef<Path>) -> Result<Image, Error> {
    let path = path.as_ref().to_path_buf();
    off_runtime(move || Image::open(&path, &mut open_file())).await
}

/// A mesh on disk for [`crate::Client::upload_mesh`], its type named by its extension and
/// checked against its first bytes; the upload streams the file.
///
/// # Errors
/// [`Error::File`] when the file cannot be read, [`Error::Mesh`] when it is no mesh the upload
/// takes.
pub async fn mesh_from_path(path: impl AsRef<Path>) -> Result<MeshFile, Error> {
    let path = path.as_ref().to_path_buf();
    off_runtime(move || MeshFile::open(&path, &mut open_file())).await
}

/// Runs `work` on tokio's blocking threads, not on a worker of the runtime (whose other tasks
/// would wait meanwhile); a panic in it goes on here.
pub(crate) async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let done = tokio::task::spawn_blocking(work).await;
    done.unwrap_or_else(|panicked| std::panic::resume_unwind(panicked.into_panic()))
}

/// The file access the core's pictures and bodies are given.
pub(crate) fn open_file() -> OpenFile {
    file_access(|path| File::open(path), |file| Ok(file.metadata()?.len()))
}

/// An opened file part as a stream of chunks, read on a blocking thread, two chunks ahead of
/// the request at most.
pub(crate) fn file_chunks(mut file: FileReader) -> impl Stream<Item = std::io::Result<Bytes>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        // Ends at the file's end, at an error (sent on), or when the request is dropped.
        while let Some(item) = read_chunk(&mut file, CHUNK).transpose() {
            let failed = item.is_err();
            if sender.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    stream::unfold(receiver, |mut receiver| async {
        receiver.recv().await.map(|item| (item, receiver))
    })
}
