//! The simulator mounted on a caller's wiremock server.

use std::sync::{Arc, Mutex};

use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::http_service::header_pairs;
use crate::server::tick;
use crate::world::{self, Incoming, World};
use crate::{MockConfig, MockHandle, Route};

struct RouteResponder {
    route: Route,
    world: Arc<Mutex<World>>,
}

impl Respond for RouteResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let headers = header_pairs(&request.headers);
        let incoming = Incoming {
            method: request.method.as_str(),
            path: request.url.path(),
            query: request.url.query(),
            headers,
            body: &request.body,
            body_too_large: false,
        };
        let reply = world::lock(&self.world).handle(self.route, &incoming);
        let mut response =
            ResponseTemplate::new(reply.status).set_body_raw(reply.body, reply.content_type);
        for (name, value) in reply.headers {
            response = response.insert_header(name, value);
        }
        if !reply.delay.is_zero() {
            response = response.set_delay(reply.delay);
        }
        response
    }
}

pub(crate) async fn mount(server: &MockServer, config: MockConfig) -> MockHandle {
    let callback_attempts = config.callback_attempts;
    let world = World::served(config, server.uri());
    for (endpoint, route) in Route::API {
        Mock::given(method(endpoint.method()))
            .and(path(endpoint.path()))
            .respond_with(RouteResponder {
                route,
                world: Arc::clone(&world),
            })
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex("^/files/"))
        .respond_with(RouteResponder {
            route: Route::Download,
            world: Arc::clone(&world),
        })
        .mount(server)
        .await;
    tokio::spawn(tick(Arc::downgrade(&world), callback_attempts));
    MockHandle { world }
}
