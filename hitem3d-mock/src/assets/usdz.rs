//! USDZ: a zip holding one USDA layer.

use std::fmt::Write as _;

use super::{Mesh, zip_package};

/// The mesh as a USDZ package.
#[must_use]
pub fn write(mesh: &Mesh) -> Vec<u8> {
    let triple = |v: &[f32; 3]| format!("({}, {}, {})", v[0], v[1], v[2]);
    let list = |items: &[[f32; 3]]| items.iter().map(triple).collect::<Vec<_>>().join(", ");
    let counts = vec!["3"; mesh.triangle_count()].join(", ");
    let indices: Vec<String> = mesh.indices.iter().map(ToString::to_string).collect();
    let mut usda = String::new();
    let _ = write!(
        usda,
        "#usda 1.0\n(\n    defaultPrim = \"hitem3d\"\n    metersPerUnit = 1\n    upAxis = \"Y\"\n)\n\n\
         def Xform \"hitem3d\"\n{{\n    def Mesh \"relief\"\n    {{\n\
         \x20       int[] faceVertexCounts = [{counts}]\n\
         \x20       int[] faceVertexIndices = [{}]\n\
         \x20       point3f[] points = [{}]\n\
         \x20       normal3f[] normals = [{}] (\n            interpolation = \"vertex\"\n        )\n\
         \x20       color3f[] primvars:displayColor = [{}] (\n            interpolation = \"vertex\"\n        )\n\
         \x20       uniform token subdivisionScheme = \"none\"\n    }}\n}}\n",
        indices.join(", "),
        list(&mesh.positions),
        list(&mesh.normals),
        list(&mesh.colors),
    );
    zip_package::write(&[("model.usda", usda.into_bytes())], 64)
}
