// The unacked ring buffer in RAM: samples wait here until the hub acks them (after it has stored
// them). Sequence numbers are implicit: the oldest sample has `firstSeq`, the next firstSeq + 1,
// and so on, so a sample costs only its time and raw values. When full, the oldest sample is
// dropped (and counted) so the newest readings always get through.
#ifndef SERIAL_TELEMETRY_RING_H
#define SERIAL_TELEMETRY_RING_H

#include <Arduino.h>

#ifndef RING_CAPACITY
#define RING_CAPACITY 64
#endif
#define SENSOR_COUNT 2

struct Sample {
  uint32_t takenAt;  // millis() when sampled
  uint16_t raw[SENSOR_COUNT];
};

class SampleRing {
 public:
  SampleRing() : head_(0), count_(0), firstSeq(0), lost(0) {}
  void push(const Sample &s);
  const Sample &at(uint8_t i) const { return items_[(head_ + i) % RING_CAPACITY]; }
  uint8_t count() const { return count_; }
  // Frees every sample up to and including `seq` (serial-number arithmetic).
  void ackThrough(uint32_t seq);
  // After a welcome: frees what the hub holds and continues after its head.
  void resumeAfter(uint32_t h);

  uint32_t firstSeq;
  uint32_t lost;

 private:
  void dropOldest();
  Sample items_[RING_CAPACITY];
  uint8_t head_;
  uint8_t count_;
};

#endif
