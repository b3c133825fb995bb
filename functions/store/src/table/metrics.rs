//! Counts of DynamoDB round trips and consumed capacity, to measure what a claim costs.

use aws_sdk_dynamodb::types::ConsumedCapacity;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by every clone of a store handle.
#[derive(Debug, Default)]
pub struct StoreMetrics {
    round_trips: AtomicU64,
    reads: AtomicU64,
    writes: AtomicU64,
    // Capacity units in thousandths, so that halves and tenths add up exactly.
    wcu_milli: AtomicU64,
    index_wcu_milli: AtomicU64,
    rcu_milli: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// DynamoDB calls made (each SDK call is one round trip, retries aside).
    pub round_trips: u64,
    /// Calls that only read.
    pub reads: u64,
    /// Calls that write (including failed conditional writes, which are billed too).
    pub writes: u64,
    /// Write capacity units reported by `ReturnConsumedCapacity`: table and indexes.
    pub write_units: f64,
    /// Of `write_units`, those spent on the secondary indexes.
    pub index_write_units: f64,
    /// Read capacity units reported by `ReturnConsumedCapacity`.
    pub read_units: f64,
}

impl MetricsSnapshot {
    /// The difference `self - earlier`.
    pub fn since(&self, earlier: &MetricsSnapshot) -> MetricsSnapshot {
        MetricsSnapshot {
            round_trips: self.round_trips - earlier.round_trips,
            reads: self.reads - earlier.reads,
            writes: self.writes - earlier.writes,
            write_units: self.write_units - earlier.write_units,
            index_write_units: self.index_write_units - earlier.index_write_units,
            read_units: self.read_units - earlier.read_units,
        }
    }
}

impl StoreMetrics {
    pub(crate) fn read(&self) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn write(&self) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        self.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds what a write reported (`ReturnConsumedCapacity=INDEXES`: the total, and the part
    /// each secondary index took).
    pub(crate) fn capacity<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        for c in consumed {
            let total = c.capacity_units().unwrap_or(0.0);
            let indexes: f64 = c
                .global_secondary_indexes()
                .into_iter()
                .flat_map(|m| m.values())
                .filter_map(|cap| cap.capacity_units())
                .sum();
            self.wcu_milli.fetch_add(milli(total), Ordering::Relaxed);
            self.index_wcu_milli
                .fetch_add(milli(indexes), Ordering::Relaxed);
        }
    }

    pub(crate) fn read_capacity(&self, consumed: Option<&ConsumedCapacity>) {
        if let Some(units) = consumed.and_then(|c| c.read_capacity_units().or(c.capacity_units())) {
            self.rcu_milli.fetch_add(milli(units), Ordering::Relaxed);
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            round_trips: self.round_trips.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            write_units: self.wcu_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            index_write_units: self.index_wcu_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            read_units: self.rcu_milli.load(Ordering::Relaxed) as f64 / 1000.0,
        }
    }
}

fn milli(units: f64) -> u64 {
    (units * 1000.0).round() as u64
}
