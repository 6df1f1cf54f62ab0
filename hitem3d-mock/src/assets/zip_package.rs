//! Zip packages (USDZ, 3MF): stored, not compressed, with aligned file data.

use std::io::{Cursor, Write as _};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// A zip of `files`, in order, stored uncompressed with data aligned to `alignment` bytes
/// (USDZ requires 64).
#[must_use]
pub fn write(files: &[(&str, Vec<u8>)], alignment: u16) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .with_alignment(alignment);
    for (name, data) in files {
        writer
            .start_file(*name, options)
            .expect("writing to memory cannot fail");
        writer
            .write_all(data)
            .expect("writing to memory cannot fail");
    }
    writer
        .finish()
        .expect("writing to memory cannot fail")
        .into_inner()
}
