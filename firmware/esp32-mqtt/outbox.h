// The unacked messages, oldest first, in a RAM ring. A message leaves the ring when the hub's
// head `h` covers it (it is durable), when the hub refused it for good, or when the ring is full
// and it is the oldest; so a dropped connection or a hub restart loses nothing that is still
// here. Every telemetry message declares the oldest seq still held (`oldest()`, sent as
// `first`), which tells the hub that the seqs before it are gone from the device. After a power
// cycle the ring is empty: the device then numbers its first message h + 1, as the protocol asks.
#pragma once
#include <stdint.h>
#include <stddef.h>

struct Message {
  uint32_t seq;
  uint64_t ts;  // Unix ms; 0 when the clock was not set yet (the hub stamps the receive time)
  float light;
  int rssi;
};

class Outbox {
 public:
  static const size_t CAPACITY = 256;  // about 4 minutes at one message per second

  /** Adds a sample; when full the oldest is dropped (counted in `dropped`). */
  Message *add(uint64_t ts, float light, int rssi) {
    if (count == CAPACITY) {
      first = (first + 1) % CAPACITY;
      count--;
      dropped++;
    }
    Message &m = ring[(first + count) % CAPACITY];
    m = {hasSeq ? nextSeq++ : 0, ts, light, rssi};
    count++;
    return &m;
  }

  /** True once the hub's head is known, so messages carry real sequence numbers. */
  bool numbered() const { return hasSeq; }

  /** The hub's head: numbers a fresh boot's backlog after it, then drops what it covers. */
  void acked(bool headIsNull, uint32_t h) {
    if (!hasSeq) {
      hasSeq = true;
      nextSeq = headIsNull ? 0 : h + 1;
      for (size_t i = 0; i < count; i++) ring[(first + i) % CAPACITY].seq = nextSeq++;
      return;
    }
    if (headIsNull) return;
    // Serial-number arithmetic: seq is covered when it is at or before h, across the wrap.
    while (count > 0 && (int32_t)(ring[first].seq - h) <= 0) {
      first = (first + 1) % CAPACITY;
      count--;
    }
  }

  /** The hub refused this message for good: give it up; false when it is not held. */
  bool drop(uint32_t seq) {
    for (size_t i = 0; i < count; i++) {
      if (ring[(first + i) % CAPACITY].seq != seq) continue;
      // Close the hole so the ring stays oldest-first.
      for (size_t j = i; j + 1 < count; j++) ring[(first + j) % CAPACITY] = ring[(first + j + 1) % CAPACITY];
      count--;
      return true;
    }
    return false;
  }

  /** The oldest seq held, sent as `first`; the next seq to use when nothing is held. */
  uint32_t oldest() const { return count > 0 ? ring[first].seq : nextSeq; }

  size_t size() const { return count; }
  const Message &at(size_t i) const { return ring[(first + i) % CAPACITY]; }

  uint32_t dropped = 0;

 private:
  Message ring[CAPACITY];
  size_t first = 0;
  size_t count = 0;
  uint32_t nextSeq = 0;
  bool hasSeq = false;
};
