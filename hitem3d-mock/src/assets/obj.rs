//! Wavefront OBJ with vertex colours (`v x y z r g b`) and normals.

use std::fmt::Write as _;

use super::Mesh;

/// The mesh as OBJ text.
#[must_use]
pub fn write(mesh: &Mesh) -> Vec<u8> {
    let mut out = String::from("# hitem3d-mock relief\no hitem3d\n");
    for (p, c) in mesh.positions.iter().zip(&mesh.colors) {
        let _ = writeln!(
            out,
            "v {} {} {} {} {} {}",
            p[0], p[1], p[2], c[0], c[1], c[2]
        );
    }
    for n in &mesh.normals {
        let _ = writeln!(out, "vn {} {} {}", n[0], n[1], n[2]);
    }
    for t in mesh.indices.chunks_exact(3) {
        // OBJ indices start at 1.
        let [a, b, c] = [t[0] + 1, t[1] + 1, t[2] + 1];
        let _ = writeln!(out, "f {a}//{a} {b}//{b} {c}//{c}");
    }
    out.into_bytes()
}
