//! Consul and etcd as whole systems, built from Quorate's engines.
