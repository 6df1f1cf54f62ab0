//! 3MF: the core-spec package with one mesh object.

use std::fmt::Write as _;

use super::{Mesh, zip_package};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
  <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
</Types>
"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
</Relationships>
"#;

/// The mesh as a 3MF package (millimetres: the relief is scaled to 100 mm across).
#[must_use]
pub fn write(mesh: &Mesh) -> Vec<u8> {
    let mut model = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <model unit=\"millimeter\" xml:lang=\"en-US\" xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\">\n\
         <resources>\n<object id=\"1\" type=\"model\" name=\"hitem3d\">\n<mesh>\n<vertices>\n",
    );
    for p in &mesh.positions {
        let _ = writeln!(
            model,
            "<vertex x=\"{}\" y=\"{}\" z=\"{}\"/>",
            p[0] * 100.0,
            p[1] * 100.0,
            p[2] * 100.0
        );
    }
    model.push_str("</vertices>\n<triangles>\n");
    for t in mesh.indices.chunks_exact(3) {
        let _ = writeln!(
            model,
            "<triangle v1=\"{}\" v2=\"{}\" v3=\"{}\"/>",
            t[0], t[1], t[2]
        );
    }
    model.push_str("</triangles>\n</mesh>\n</object>\n</resources>\n<build>\n<item objectid=\"1\"/>\n</build>\n</model>\n");
    zip_package::write(
        &[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes().to_vec()),
            ("_rels/.rels", RELS.as_bytes().to_vec()),
            ("3D/3dmodel.model", model.into_bytes()),
        ],
        4,
    )
}
