//! Consul and etcd as whole systems, built from Quorate's engines.

pub mod consul;
pub mod server;
pub mod wire;

pub use consul::{ConsulConfig, ConsulNode};
