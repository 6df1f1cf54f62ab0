//! Result files are made by worker threads, outside the world's lock and off the server's
//! thread: decoding a large picture takes up to a second, and the mock must keep answering
//! every other request meanwhile. A task counts as finished only once its files exist, as on
//! the real service, where success comes after the upload.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread;

use hitem3d_types::{OutputFormat, ReliefFormat, Resolution};

use crate::assets::relief::ReliefShape;
use crate::assets::{self, GeneratedFile};
use crate::world::{self, World};

/// What to make for one task.
#[derive(Debug)]
pub(crate) struct AssetOrder {
    pub(crate) task_id: String,
    pub(crate) picture: Vec<u8>,
    pub(crate) resolution: Option<Resolution>,
    pub(crate) product: Product,
}

/// What a task makes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Product {
    /// A model in this format, and a cover.
    Model(OutputFormat),
    /// A relief file in this format and shape (and a cover nobody is shown).
    Relief(ReliefFormat, ReliefShape),
    /// A mesh cut into `count` parts, each in `format`, packed in a ZIP.
    Parts {
        /// The parts' format.
        format: OutputFormat,
        /// How many.
        count: usize,
    },
    /// A mesh whose colours are reduced to at most `colors`, in `format`.
    Recolored {
        /// The file's format.
        format: OutputFormat,
        /// The most colours it keeps.
        colors: usize,
    },
}

impl AssetOrder {
    /// The model and the cover. A picture that makes the generator panic gets the files of an
    /// undecodable one (a dome), so that its task still ends.
    pub(crate) fn make(&self) -> (GeneratedFile, GeneratedFile) {
        let generate = |picture: &[u8]| match &self.product {
            Product::Model(format) => assets::generate(picture, self.resolution.as_ref(), format),
            Product::Relief(format, shape) => {
                let (_, cover) = assets::generate(picture, None, &OutputFormat::Glb);
                (assets::relief::file(picture, format, shape), cover)
            }
            Product::Parts { format, count } => {
                let (_, cover) = assets::generate(picture, None, &OutputFormat::Glb);
                (assets::parts::file(picture, format, *count), cover)
            }
            Product::Recolored { format, colors } => {
                let (_, cover) = assets::generate(picture, None, &OutputFormat::Glb);
                (assets::parts::recolored(picture, format, *colors), cover)
            }
        };
        catch_unwind(AssertUnwindSafe(|| generate(&self.picture))).unwrap_or_else(|_| generate(&[]))
    }
}

/// Worker threads at most, whatever the machine's CPUs.
const MAX_WORKERS: usize = 4;

/// The queue of orders and its workers, started with the first order (a mock that is never
/// sent a picture starts no thread for it). The workers stop when the world is gone.
#[derive(Debug)]
pub(crate) struct Workshop {
    orders: Sender<AssetOrder>,
    hire: Option<Hiring>,
}

/// What starting the workers takes, until they are started.
#[derive(Debug)]
struct Hiring {
    queue: Receiver<AssetOrder>,
    world: Weak<Mutex<World>>,
}

impl Workshop {
    /// A workshop whose threads, one per CPU up to four, will fill the orders of `world`'s tasks.
    pub(crate) fn new(world: &Arc<Mutex<World>>) -> Self {
        let (orders, queue) = channel();
        let hire = Hiring {
            queue,
            world: Arc::downgrade(world),
        };
        Self {
            orders,
            hire: Some(hire),
        }
    }

    fn start_workers(&mut self) {
        let Some(Hiring { queue, world }) = self.hire.take() else {
            return;
        };
        // Asked here, not at start: on Linux it reads cgroup files.
        // At most four: each may hold a decoded picture of up to 64 MiB.
        let workers = thread::available_parallelism()
            .map_or(2, usize::from)
            .min(MAX_WORKERS);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..workers {
            let queue = Arc::clone(&queue);
            let world = world.clone();
            thread::Builder::new()
                .name(format!("hitem3d-mock-assets-{index}"))
                .spawn(move || work(&queue, &world))
                .expect("the mock can start a thread");
        }
    }

    /// A workshop without workers: the orders wait in the returned queue.
    #[cfg(test)]
    pub(crate) fn idle() -> (Self, Receiver<AssetOrder>) {
        let (orders, queue) = channel();
        (Self { orders, hire: None }, queue)
    }

    /// Queues `order`; its files arrive in the world when made.
    pub(crate) fn order(&mut self, order: AssetOrder) {
        self.start_workers();
        // The workers only stop once the world, which owns this sender, is gone.
        let _ = self.orders.send(order);
    }
}

fn work(queue: &Mutex<Receiver<AssetOrder>>, world: &Weak<Mutex<World>>) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(order) = next else { return };
        let files = order.make();
        let Some(world) = world.upgrade() else { return };
        world::lock(&world).store_files(&order.task_id, files);
    }
}
