//! Consul and etcd as whole systems, built from Quorate's engines.

pub mod consul;
pub mod etcd;
#[cfg(feature = "measure")]
pub mod measure;
mod script;
pub mod server;
pub mod wire;

pub use consul::{ConsulConfig, ConsulNode};
pub use etcd::{EtcdConfig, EtcdNode};
