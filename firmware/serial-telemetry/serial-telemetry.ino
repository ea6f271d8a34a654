// serial-telemetry: an Arduino Uno/Nano sketch speaking the hub's serial line protocol
// (docs/protocol.md, "Serial line protocol"). It samples two analog sensors (a light sensor
// on A0 in %, a TMP36 on A1 in °C), keeps every sample in a RAM ring buffer until the hub has
// stored it and acked it, and switches an LED (pin 13) and a relay (pin 7) on command.
#include <avr/eeprom.h>
#include <Arduino.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ring.h"

#ifndef DEVICE_ID
#define DEVICE_ID "uno-1"
#endif
#ifndef BAUD_RATE
#define BAUD_RATE 115200
#endif
#define FIRMWARE_VERSION "serial-telemetry-1.0.0"
#define LED_PIN 13
#define RELAY_PIN 7

const uint32_t kHelloEveryMs = 2000;     // repeated until the hub welcomes us
const uint32_t kHeartbeatEveryMs = 5000;
const uint32_t kResendAfterMs = 3000;    // no ack progress for this long: send the backlog again
const uint32_t kMaxIntervalMs = 3600000UL;

FrameWriter out(Serial);
FrameReader in;
SampleRing ring;

uint32_t intervalMs = 1000;
bool welcomed = false;       // the hub has answered our hello; telemetry may flow
bool numbered = false;       // firstSeq is known (set by the first welcome after boot)
// Differs on every boot (a counter in EEPROM). The hub echoes it in the welcome that answers our
// hello, so a welcome meant for the previous boot, still on the line at a reset, is not taken.
uint16_t bootId = 0;
uint16_t EEMEM bootCounter;
uint8_t sent = 0;            // samples of the ring already sent since the last (re)send
uint32_t lastSample = 0, lastHello = 0, lastHeartbeat = 0, lastProgress = 0;
uint16_t reportedRejects = 0;  // damaged hub frames already answered with "err"

void sendHello() {
  out.begin();
  out.textP(F("hello " DEVICE_ID " proto=1 fw=" FIRMWARE_VERSION " iv="));
  out.number(intervalMs);
  out.textP(F(" boot="));
  out.number(bootId);
  out.textP(F(" m=light:%,temperature:\xC2\xB0" "C a=led:led,relay:relay"));
  out.end();
  lastHello = millis();
}

void sendHeartbeat() {
  out.begin();
  out.textP(F("hb "));
  out.number(millis());
  out.text(" ");
  out.number(ring.count());
  out.text(" ");
  out.number(ring.lost);
  out.text(" ");
  out.number(ring.firstSeq);  // the oldest sample held: the hub learns what is gone for good
  out.end();
  lastHeartbeat = millis();
}

// Light in tenths of a percent of full scale; TMP36 temperature in tenths of °C (10 mV/°C, 500 mV at 0 °C).
int32_t lightTenths(uint16_t raw) { return ((int32_t)raw * 1000 + 511) / 1023; }
int32_t temperatureTenths(uint16_t raw) { return (int32_t)raw * 5000 / 1023 - 500; }

void sendSample(uint8_t i) {
  const Sample &s = ring.at(i);
  out.begin();
  out.text("t ");
  out.number(ring.firstSeq + i);
  out.text(" ");
  out.number(millis() - s.takenAt);
  out.text(" light=");
  out.tenths(lightTenths(s.raw[0]));
  out.text(" temperature=");
  out.tenths(temperatureTenths(s.raw[1]));
  out.end();
}

void sendCommandAck(const char *id, const __FlashStringHelper *error, const char *detail) {
  out.begin();
  out.text("cack ");
  out.text(id);
  if (error) {
    out.text(" err ");
    out.textP(error);
    if (detail) out.text(detail);
  } else {
    out.text(" ok");
  }
  out.end();
}

bool parseNumber(const char *s, uint32_t &value) {
  if (!s || !*s) return false;
  char *end;
  value = strtoul(s, &end, 10);
  return *end == '\0';
}

// "welcome <h|-> [iv=<ms>]": resume after the hub's head; a fresh boot numbers its samples from h + 1.
// A welcome echoing another boot's id answered a hello of the board's previous life: dropped.
void onWelcome(char *args) {
  char *h = strtok(args, " ");
  uint32_t head;
  bool known = h && parseNumber(h, head);
  uint32_t iv = 0, boot;
  for (char *opt = strtok(nullptr, " "); opt; opt = strtok(nullptr, " ")) {
    if (strncmp(opt, "iv=", 3) == 0 && !parseNumber(opt + 3, iv)) iv = 0;
    if (strncmp(opt, "boot=", 5) == 0 && parseNumber(opt + 5, boot) && boot != bootId) return;
  }
  if (iv >= 10 && iv <= kMaxIntervalMs) intervalMs = iv;
  if (!numbered) {
    ring.firstSeq = known ? head + 1 : 0;
    numbered = true;
  } else if (known) {
    ring.resumeAfter(head);
  }
  welcomed = true;
  sent = 0;
  lastProgress = millis();
  sendHeartbeat();  // tells the hub the oldest sample held before the resend starts
}

// "cmd <id> set <name>=<value> ...": every parameter is checked before any pin changes.
void onCommand(char *args) {
  char *id = strtok(args, " ");
  char *action = strtok(nullptr, " ");
  if (!id || !action) return;
  if (strcmp(action, "set") != 0) return sendCommandAck(id, F("unknown action "), action);
  char *params[4];
  uint8_t n = 0;
  for (char *p = strtok(nullptr, " "); p; p = strtok(nullptr, " ")) {
    if (n == 4) return sendCommandAck(id, F("too many parameters"), nullptr);
    params[n++] = p;
  }
  if (n == 0) return sendCommandAck(id, F("nothing to set"), nullptr);
  for (uint8_t i = 0; i < n; i++) {
    char *eq = strchr(params[i], '=');
    if (!eq) return sendCommandAck(id, F("expected name=value: "), params[i]);
    *eq = '\0';
    if (strcmp(params[i], "led") != 0 && strcmp(params[i], "relay") != 0) return sendCommandAck(id, F("unknown actuator "), params[i]);
    if (strcmp(eq + 1, "0") != 0 && strcmp(eq + 1, "1") != 0) return sendCommandAck(id, F("value must be 0 or 1 for "), params[i]);
  }
  for (uint8_t i = 0; i < n; i++) {
    uint8_t pin = strcmp(params[i], "led") == 0 ? LED_PIN : RELAY_PIN;
    digitalWrite(pin, params[i][strlen(params[i]) + 1] == '1' ? HIGH : LOW);
  }
  sendCommandAck(id, nullptr, nullptr);
}

void onFrame(char *body) {
  char *args = strchr(body, ' ');
  if (args) *args++ = '\0';
  else args = body + strlen(body);
  if (strcmp(body, "h") == 0) {
    uint32_t seq;
    if (numbered && parseNumber(args, seq)) {
      uint8_t before = ring.count();
      ring.ackThrough(seq);
      uint8_t freed = before - ring.count();
      sent = sent > freed ? sent - freed : 0;
      if (freed > 0) lastProgress = millis();
    }
  } else if (strcmp(body, "welcome") == 0) {
    onWelcome(args);
  } else if (strcmp(body, "hi") == 0) {
    welcomed = false;
    sendHello();
  } else if (strcmp(body, "cmd") == 0) {
    onCommand(args);
  }
  // "err" frames from the hub and unknown types need no answer.
}

void takeSample() {
  Sample s;
  s.takenAt = millis();
  s.raw[0] = analogRead(A0);
  s.raw[1] = analogRead(A1);
  uint8_t before = ring.count();
  ring.push(s);
  // A full ring dropped its oldest sample, which may have been sent already.
  if (ring.count() == before && sent > 0) sent--;
  lastSample = s.takenAt;
}

void setup() {
  pinMode(LED_PIN, OUTPUT);
  pinMode(RELAY_PIN, OUTPUT);
  bootId = eeprom_read_word(&bootCounter) + 1;
  eeprom_update_word(&bootCounter, bootId);
  Serial.begin(BAUD_RATE);
  sendHello();
}

void loop() {
  while (Serial.available() > 0) {
    char *body = in.feed((char)Serial.read());
    if (body) onFrame(body);
  }
  if (in.rejected != reportedRejects) {
    // Tell the hub a frame was damaged: it sends open commands again.
    reportedRejects = in.rejected;
    out.begin();
    out.textP(F("err damaged frame"));
    out.end();
  }
  uint32_t now = millis();
  if (now - lastSample >= intervalMs) takeSample();
  if (!welcomed) {
    if (now - lastHello >= kHelloEveryMs) sendHello();
    return;
  }
  if (sent < ring.count()) {
    if (sent == 0) lastProgress = now;  // the ack timer starts with the first unacked sample on the wire
    sendSample(sent++);
  } else if (sent > 0 && now - lastProgress >= kResendAfterMs) {
    sent = 0;  // the hub did not ack what we sent: resend from the oldest; it drops duplicates
    lastProgress = now;
  }
  if (now - lastHeartbeat >= kHeartbeatEveryMs) sendHeartbeat();
}
