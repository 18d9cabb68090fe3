fn main() {
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let j: serde_json::Value =
            serde_json::from_str(dindctl::schema::COMPOSE_SCHEMA).unwrap_or_default();
        println!("json parse compose schema {:?}", t.elapsed());
        std::mem::forget(j);
    }
    let t = std::time::Instant::now();
    let mut db = dindctl::source::SourceDb::new();
    let text =
        std::fs::read_to_string("golden/default/docker-compose.dind.yml").unwrap_or_default();
    let id = db.add("x", text.clone());
    let p = dindctl::yaml::parse(id, &text, dindctl::yaml::Limits::default());
    println!("parse compose {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let s = dindctl::schema::Schema::compile(dindctl::schema::COMPOSE_SCHEMA)
        .unwrap_or_else(|e| panic!("{e}"));
    println!("compile {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let j = p.documents[0].to_json();
    let r = s.validate(&p.documents[0], &j, "x");
    println!("validate {:?} {}", t.elapsed(), r.len());
}
