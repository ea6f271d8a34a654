#include "ring.h"

void SampleRing::dropOldest() {
  head_ = (head_ + 1) % RING_CAPACITY;
  count_--;
  firstSeq++;
}

void SampleRing::push(const Sample &s) {
  if (count_ == RING_CAPACITY) {
    dropOldest();
    lost++;
  }
  items_[(head_ + count_) % RING_CAPACITY] = s;
  count_++;
}

void SampleRing::ackThrough(uint32_t seq) {
  // (int32_t)(a - b) <= 0 means a is at or before b, also across the 2^32 wrap.
  while (count_ > 0 && (int32_t)(firstSeq - seq) <= 0) dropOldest();
}

void SampleRing::resumeAfter(uint32_t h) {
  ackThrough(h);
  if (count_ == 0 && (int32_t)(firstSeq - (h + 1)) < 0) firstSeq = h + 1;
}
