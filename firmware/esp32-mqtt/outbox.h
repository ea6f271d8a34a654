// The unacked messages, oldest first, in a RAM ring. A message leaves the ring only when the
// hub's head `h` covers it (it is durable), so a dropped connection or a hub restart loses
// nothing that is still here. After a power cycle the ring is empty: the device then numbers its
// first message h + 1, as the protocol asks.
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
