#include "frame.h"

#include <util/crc16.h>

uint8_t crc8(uint8_t crc, uint8_t data) { return _crc8_ccitt_update(crc, data); }

static char hexDigit(uint8_t v) { return v < 10 ? '0' + v : 'A' + v - 10; }

void FrameWriter::put(char c) {
  crc_ = crc8(crc_, (uint8_t)c);
  out_.write(c);
}

void FrameWriter::text(const char *s) {
  while (*s) put(*s++);
}

void FrameWriter::textP(const __FlashStringHelper *s) {
  const char *p = reinterpret_cast<const char *>(s);
  for (char c = pgm_read_byte(p); c; c = pgm_read_byte(++p)) put(c);
}

void FrameWriter::number(uint32_t n) {
  char digits[11];
  uint8_t i = 0;
  do {
    digits[i++] = '0' + n % 10;
    n /= 10;
  } while (n > 0);
  while (i > 0) put(digits[--i]);
}

void FrameWriter::tenths(int32_t t) {
  if (t < 0) {
    put('-');
    t = -t;
  }
  number((uint32_t)t / 10);
  put('.');
  put('0' + (uint32_t)t % 10);
}

void FrameWriter::end() {
  uint8_t crc = crc_;
  out_.write('*');
  out_.write(hexDigit(crc >> 4));
  out_.write(hexDigit(crc & 0x0F));
  out_.write('\n');
}

static int8_t hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

char *FrameReader::feed(char c) {
  if (c == '\r') return nullptr;
  if (c != '\n') {
    if (len_ < kMax) buf_[len_++] = c;
    else overflow_ = true;
    return nullptr;
  }
  uint8_t len = len_;
  bool overflow = overflow_;
  len_ = 0;
  overflow_ = false;
  if (len == 0) return nullptr;
  // A frame too long for the buffer, or without "*CC", cannot be verified: drop it.
  if (overflow || len < 4 || buf_[len - 3] != '*') {
    rejected++;
    return nullptr;
  }
  int8_t hi = hexValue(buf_[len - 2]), lo = hexValue(buf_[len - 1]);
  uint8_t crc = 0;
  for (uint8_t i = 0; i < len - 3; i++) crc = crc8(crc, (uint8_t)buf_[i]);
  if (hi < 0 || lo < 0 || crc != (uint8_t)((hi << 4) | lo)) {
    rejected++;
    return nullptr;
  }
  buf_[len - 3] = '\0';
  return buf_;
}
