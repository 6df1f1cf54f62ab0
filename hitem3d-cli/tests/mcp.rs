//! `hitem3d mcp` driven by an MCP client (the official SDK's), as an agent would: every tool
//! called against the mock service.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequestParams, CallToolResult, NumberOrString, ProgressNotificationParam,
    ProgressToken, RequestMetaObject,
};
use rmcp::service::NotificationContext;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};
use support::Bench;

fn arguments(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(object) => object,
        other => panic!("tool arguments are an object, not {other}"),
    }
}

/// A client that keeps the messages of the progress notifications it receives.
#[derive(Clone, Default)]
struct ProgressLog(Arc<Mutex<Vec<String>>>);

impl ProgressLog {
    fn messages(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl ClientHandler for ProgressLog {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.0
            .lock()
            .unwrap()
            .push(params.message.unwrap_or_default());
    }
}

fn structured(result: &CallToolResult) -> &Value {
    result
        .structured_content
        .as_ref()
        .expect("a structured result")
}

#[test]
fn an_mcp_client_calls_every_tool() {
    let bench = Bench::fast();
    let picture = bench.picture("front", "chair.png");
    let out = bench.path("models");
    std::fs::write(bench.path("not-a-picture.png"), b"GIF89a\x01\x00").unwrap();

    let mut command = bench.command();
    command.arg("mcp");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let transport = TokioChildProcess::new(tokio::process::Command::from(command)).unwrap();
        let progress = ProgressLog::default();
        let client = progress
            .clone()
            .serve(transport)
            .await
            .expect("the MCP session starts");
        let call = |name: &'static str, args: Value| {
            let params = CallToolRequestParams::new(name).with_arguments(arguments(args));
            let client = &client;
            async move { client.call_tool(params).await.expect("the tool answers") }
        };

        // The server names itself (it said "rmcp", its library's name, and that version).
        let server = client.peer_info().expect("the server introduced itself");
        let named = server.server_info.clone().expect("with its name");
        assert_eq!(named.name, "hitem3d");
        assert_eq!(named.version, env!("CARGO_PKG_VERSION"));

        let mut names: Vec<String> = client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|tool| tool.name.to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["balance", "download", "estimate", "generate", "query"]
        );

        let balance = call("balance", json!({})).await;
        assert!(structured(&balance)["credits"].as_f64().unwrap() > 0.0);

        let estimate = call("estimate", json!({"model": "hi3dv3.0", "count": 2})).await;
        assert_eq!(structured(&estimate)["credits"], 210);

        // Asked with a progress token, the generate reports its steps as it goes.
        let mut meta = RequestMetaObject::default();
        meta.set_progress_token(ProgressToken(NumberOrString::Number(7)));
        let mut params = CallToolRequestParams::new("generate").with_arguments(arguments(
            json!({"image": picture, "format": "stl", "output_dir": out}),
        ));
        params.meta = Some(meta);
        let generated = client.call_tool(params).await.expect("the tool answers");
        assert_eq!(generated.is_error, Some(false), "{generated:?}");
        let made = structured(&generated);
        let path = made["path"].as_str().unwrap().to_owned();
        assert!(path.ends_with("chair.stl"), "{made}");
        assert!(std::path::Path::new(&path).exists());
        let task_id = made["task_id"].as_str().unwrap().to_owned();
        // The client handles notifications on tasks of their own, so the last may land just
        // after the answer here; the order on the wire is the next test's.
        let started = Instant::now();
        while !progress.messages().iter().any(|m| m.starts_with("saved")) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{:?}",
                progress.messages()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Each state is seen step by step on the manual mock (the next test): this fast one
        // may finish before a poll sees "generating".
        let steps = progress.messages();
        assert!(steps[0].ends_with("submitted"), "{steps:?}");
        assert!(
            steps.iter().any(|m| m == "downloading the model"),
            "{steps:?}"
        );

        let again = call(
            "generate",
            json!({"image": picture, "format": "stl", "output_dir": out}),
        )
        .await;
        assert_eq!(structured(&again)["already_saved"], true, "{again:?}");

        // Two calls at once for one new task (same picture, another format): one submit, and
        // each saves under its own name.
        let (first, second) = tokio::join!(
            call(
                "generate",
                json!({"image": picture, "format": "obj", "output_dir": out, "name": "a"}),
            ),
            call(
                "generate",
                json!({"image": picture, "format": "obj", "output_dir": out, "name": "b"}),
            ),
        );
        assert_eq!(first.is_error, Some(false), "{first:?}");
        assert_eq!(second.is_error, Some(false), "{second:?}");
        assert!(out.join("a.obj").exists() && out.join("b.obj").exists());

        let queried = call("query", json!({"task_id": task_id})).await;
        assert_eq!(structured(&queried)["state"], "success");
        assert_eq!(structured(&queried)["result_ready"], true);

        // A relative folder is the server's; the path answered is absolute, so the agent can
        // find the file (it was relative to a working folder the agent does not know).
        let downloaded = call(
            "download",
            json!({"task_id": task_id, "output_dir": "copies", "name": "copy"}),
        )
        .await;
        let copy = std::path::PathBuf::from(structured(&downloaded)["path"].as_str().unwrap());
        assert!(copy.is_absolute(), "{downloaded:?}");
        assert!(copy.ends_with("copies/copy.stl"), "{downloaded:?}");
        assert!(copy.exists(), "{downloaded:?}");

        let refused = call(
            "generate",
            json!({"image": bench.path("not-a-picture.png")}),
        )
        .await;
        assert_eq!(refused.is_error, Some(true));
        assert_eq!(structured(&refused)["exit_code"], 2);
        assert!(
            structured(&refused)["message"]
                .as_str()
                .unwrap()
                .contains("GIF picture")
        );

        let unknown = call("query", json!({"task_id": "no-such-task"})).await;
        assert_eq!(unknown.is_error, Some(true));
        client.cancel().await.unwrap();
    });
    assert_eq!(
        bench.mock().counters().submit_requests,
        2,
        "paid once per task"
    );
}

/// A generate's progress notifications name each state as the task reaches it. On the fast
/// mock this failed about 1 run in 45 under load (the task was done before a poll saw it
/// processing); here the test moves the mock's clock only once the client has seen each step.
#[test]
fn an_mcp_generate_reports_each_state_as_the_task_reaches_it() {
    let bench = Bench::manual();
    let picture = bench.picture("front", "chair.png");
    let out = bench.path("models");
    let timeline = hitem3d_mock::Timeline::default();
    let mut command = bench.command();
    command.arg("mcp");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let transport = TokioChildProcess::new(tokio::process::Command::from(command)).unwrap();
        let progress = ProgressLog::default();
        let client = progress
            .clone()
            .serve(transport)
            .await
            .expect("the MCP session starts");
        let mut meta = RequestMetaObject::default();
        meta.set_progress_token(ProgressToken(NumberOrString::Number(1)));
        let mut params = CallToolRequestParams::new("generate").with_arguments(arguments(
            json!({"image": picture, "format": "stl", "output_dir": out}),
        ));
        params.meta = Some(meta);
        let generate = client.call_tool(params);
        let drive = async {
            let seen = |step: &'static str| {
                let progress = progress.clone();
                async move {
                    let started = Instant::now();
                    while !progress.messages().iter().any(|m| m.ends_with(step)) {
                        assert!(
                            started.elapsed() < Duration::from_secs(60),
                            "no {step:?} in {:?}",
                            progress.messages()
                        );
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            };
            seen("submitted").await;
            bench.mock().advance(timeline.processing_after);
            seen("generating").await;
            bench.mock().advance(timeline.finished_after);
        };
        let (generated, ()) = tokio::join!(generate, drive);
        let generated = generated.expect("the tool answers");
        assert_eq!(generated.is_error, Some(false), "{generated:?}");
        let steps = progress.messages();
        let at = |step: &str| steps.iter().position(|m| m.ends_with(step));
        assert!(at("submitted") < at("generating"), "{steps:?}");
        assert!(at("generating").is_some(), "{steps:?}");
        client.cancel().await.unwrap();
    });
}

/// The last progress notification of a generate sometimes reached the client after the call's
/// answer. Read on the wire (one JSON-RPC message per line), every notification comes first.
#[test]
fn a_generates_notifications_all_come_before_its_answer_on_the_wire() {
    use std::io::{BufRead, BufReader, Write};
    let bench = Bench::fast();
    let picture = bench.picture("front", "chair.png");
    let mut server = bench
        .command()
        .arg("mcp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut to_server = server.stdin.take().unwrap();
    let mut from_server = BufReader::new(server.stdout.take().unwrap());
    let mut send = |message: Value| {
        writeln!(to_server, "{message}").unwrap();
        to_server.flush().unwrap();
    };
    let mut read = || -> Value {
        let mut line = String::new();
        from_server.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("a JSON-RPC line: {line:?}"))
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "wire-test", "version": "1"}}}),
    );
    assert_eq!(read()["id"], 1);
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "generate", "_meta": {"progressToken": 9},
        "arguments": {"image": picture, "format": "stl", "output_dir": bench.path("out")}}}),
    );

    let mut steps = Vec::new();
    let answer = loop {
        let message = read();
        if message["id"] == 2 {
            break message;
        }
        if message["method"] == "notifications/progress" {
            steps.push(
                message["params"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            );
        }
    };
    drop(to_server);
    let _ = server.wait();

    assert_eq!(answer["result"]["isError"], false, "{answer}");
    assert!(
        steps.last().is_some_and(|step| step.starts_with("saved")),
        "every step before the answer: {steps:?}"
    );
}

/// An agent reads every refusal in the tools' own terms: an argument missing or of the wrong
/// type named as the argument (it read "failed to deserialize parameters: … u32"), a rule
/// broken named by the argument to change (it said `--face`), a file name taken answered with
/// the arguments to change (it said `--force`, `--name`, `-o`); and each tool says what it
/// answers (no tool had an output schema).
#[test]
fn an_agent_reads_every_refusal_in_the_tools_terms() {
    let bench = Bench::fast();
    let picture = bench.picture("front", "chair.png");
    let out = bench.path("models");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("taken.glb"), b"the user's own file").unwrap();
    let mut command = bench.command();
    command.arg("mcp");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let transport = TokioChildProcess::new(tokio::process::Command::from(command)).unwrap();
        let client = ().serve(transport).await.expect("the MCP session starts");
        for tool in client.list_all_tools().await.unwrap() {
            let schema = tool
                .output_schema
                .unwrap_or_else(|| panic!("{} has an output schema", tool.name));
            assert_eq!(schema["type"], "object", "{}: {schema:?}", tool.name);
        }
        let refusal = |args: Value| {
            let params = CallToolRequestParams::new("generate").with_arguments(arguments(args));
            let client = &client;
            async move {
                let result = client.call_tool(params).await.expect("the tool answers");
                assert_eq!(result.is_error, Some(true), "{result:?}");
                let message = structured(&result)["message"].as_str().unwrap().to_owned();
                assert_eq!(structured(&result)["exit_code"], 2, "{message}");
                for wrong in ["--", "hitem3d ", "deserialize", "u32", "`", "::"] {
                    assert!(!message.contains(wrong), "{wrong:?} in {message}");
                }
                message
            }
        };
        let missing = refusal(json!({"format": "stl"})).await;
        assert!(missing.contains("image is missing"), "{missing}");
        let mistyped = refusal(json!({"image": picture, "face": "many"})).await;
        assert!(mistyped.contains("the argument face"), "{mistyped}");
        let broken = refusal(json!({"image": picture, "face": 5})).await;
        assert!(broken.contains("face (5)"), "{broken}");
        let taken = refusal(json!({"image": picture, "output_dir": out, "name": "taken"})).await;
        assert!(taken.contains("another name or output_dir"), "{taken}");
        client.cancel().await.unwrap();
    });
    assert_eq!(
        std::fs::read(out.join("taken.glb")).unwrap(),
        b"the user's own file"
    );
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
}

/// A server killed outright (no handler runs) left a partial file behind for ever; the next
/// generate saving the same file removes it.
#[test]
fn an_mcp_generate_removes_the_partial_file_a_killed_server_left() {
    let bench = Bench::fast();
    let picture = bench.picture("front", "chair.png");
    let out = bench.path("models");
    std::fs::create_dir_all(&out).unwrap();
    let stale = out.join(".chair.glb.k1LLed.part");
    std::fs::File::create(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let mut command = bench.command();
    command.arg("mcp");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let transport = TokioChildProcess::new(tokio::process::Command::from(command)).unwrap();
        let client = ().serve(transport).await.expect("the MCP session starts");
        let params = CallToolRequestParams::new("generate")
            .with_arguments(arguments(json!({"image": picture, "output_dir": out})));
        let generated = client.call_tool(params).await.expect("the tool answers");
        assert_eq!(generated.is_error, Some(false), "{generated:?}");
        client.cancel().await.unwrap();
    });
    assert!(
        !stale.exists(),
        "the killed server's partial file is removed"
    );
    assert!(out.join("chair.glb").exists());
}
