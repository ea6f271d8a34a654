// Framing of the hub's serial line protocol (see docs/protocol.md, "Serial line protocol"):
// one frame per line, "<body>*<CC>\n", CC being the CRC-8 (polynomial 0x07, initial value 0)
// of the body's bytes in two upper-case hex digits.
#ifndef SERIAL_TELEMETRY_FRAME_H
#define SERIAL_TELEMETRY_FRAME_H

#include <Arduino.h>

// Builds one outgoing frame piece by piece so the CRC is computed while printing, with no
// second buffer for the whole line.
class FrameWriter {
 public:
  explicit FrameWriter(Print &out) : out_(out), crc_(0) {}
  void begin() { crc_ = 0; }
  void text(const char *s);
  void textP(const __FlashStringHelper *s);
  void number(uint32_t n);
  // A fixed-point value given in tenths, printed as "-12.3".
  void tenths(int32_t t);
  void end();

 private:
  void put(char c);
  Print &out_;
  uint8_t crc_;
};

// Collects incoming bytes into a line; returns the verified body (without "*CC") once a
// complete, intact frame has arrived, or nullptr (also for frames with a bad checksum, which
// are counted in `rejected`).
class FrameReader {
 public:
  FrameReader() : len_(0), overflow_(false), rejected(0) {}
  char *feed(char c);
  uint16_t rejected;

 private:
  static const uint8_t kMax = 96;
  char buf_[kMax + 1];
  uint8_t len_;
  bool overflow_;
};

uint8_t crc8(uint8_t crc, uint8_t data);

#endif
