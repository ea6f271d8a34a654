// ESP32 telemetry node for telemetry-hub over MQTT (topic scheme v1, docs/protocol.md "## MQTT").
//
// Samples a light sensor on GPIO 34 and the Wi-Fi signal strength, sends them as sequenced
// telemetry, keeps every message the hub has not acked in a RAM ring and resends it after a
// reconnect, and switches a relay (GPIO 26) and the on-board LED (GPIO 2) on `set` commands.
// Every message declares `first`, the oldest seq still held; a message the hub refuses for good
// is dropped from the ring, and none is ever sent larger than the hub's `maxPayload`.
//
// Libraries (Arduino Library Manager): "MQTT" by Joel Gaehwiler (256dpi/arduino-mqtt, 2.4 or
// later, for QoS 1 publishes) and "ArduinoJson" by Benoit Blanchon (7.x).
// Copy config.example.h to config.h and fill it in before flashing.
#include <WiFi.h>
#include <MQTTClient.h>
#include <ArduinoJson.h>
#include <sys/time.h>
#include <time.h>

#include "config.h"
#include "outbox.h"

static const char *FIRMWARE = "esp32-mqtt 1.0.0";
static const uint32_t SAMPLE_INTERVAL_MS = 1000;
// Resend the unacked backlog when the hub has not moved its head for this long.
static const uint32_t RESEND_AFTER_MS = 10000;
static const int LIGHT_PIN = 34;  // ADC1: usable while Wi-Fi is on
static const int RELAY_PIN = 26;
static const int LED_PIN = 2;

WiFiClient net;
MQTTClient mqtt(1024);
Outbox outbox;

String topicTelemetry, topicStatus, topicMeta, topicCmdAck, topicAck, topicCmd, topicError;

// The MQTT library must not publish from inside its message callback (and a QoS 1 publish may
// run the callback while loop() walks the ring), so the callback only records what arrived and
// loop() acts on it.
bool headArrived = false;
// Set on every connect until the resume answer (the ack with maxPayload) asks for the backlog.
// Plain acks before it are ignored: a fresh boot must not number after a head still being written.
bool awaitingHead = false;
bool headIsResume = false;
bool headIsNull = false;
uint32_t arrivedHead = 0;
uint32_t maxPayload = 0;  // the hub's payload limit from the resume answer; 0 until told
// Seqs refused for good (or too large), to drop from the ring; past 8, the hub refuses it again.
uint32_t refusedSeqs[8];
uint8_t refusedCount = 0;
// Commands waiting for loop(); a redelivery after a reconnect can bring several at once.
String pendingCommands[4];
uint8_t pendingCount = 0;

uint32_t lastSampleAt = 0;
uint32_t lastAckAt = 0;

// Command ids already applied, with their answers: a redelivery is answered, not applied again.
struct Answer { String id; bool ok; String error; };
Answer answered[8];
uint8_t answeredNext = 0;

void noteRefusal(const String &payload);
void onMessage(String &topic, String &payload) {
  if (topic == topicAck) {
    JsonDocument doc;
    if (deserializeJson(doc, payload) != DeserializationError::Ok) return;
    bool resume = !doc["maxPayload"].isNull();
    if (awaitingHead && !resume) return;
    if (resume) {
      maxPayload = doc["maxPayload"].as<uint32_t>();
      headIsResume = true;
    }
    headIsNull = doc["h"].isNull();
    arrivedHead = doc["h"].as<uint32_t>();
    headArrived = true;
  } else if (topic == topicCmd) {
    // When full, the command is dropped unanswered; the hub delivers it again on reconnect.
    if (pendingCount < 4) pendingCommands[pendingCount++] = payload;
  } else if (topic == topicError) {
    Serial.printf("hub refused a message: %s\n", payload.c_str());
    noteRefusal(payload);
  }
}

// {"code", "reason", "topic"?, "seq"?, "resend"?}: a seq without resend refuses that message for good
// (bad_value / bad_reading refuse one reading of a kept message). With resend the hub closes the
// connection and the message goes again after the resume.
void noteRefusal(const String &payload) {
  JsonDocument doc;
  if (deserializeJson(doc, payload) != DeserializationError::Ok) return;
  if (doc["seq"].isNull() || doc["resend"].as<bool>()) return;
  const char *code = doc["code"] | "";
  if (strcmp(code, "bad_value") == 0 || strcmp(code, "bad_reading") == 0) return;
  const char *topic = doc["topic"] | "";
  if (topic[0] != '\0' && topicTelemetry != topic) return;
  if (refusedCount < 8) refusedSeqs[refusedCount++] = doc["seq"].as<uint32_t>();
}

void connectWifi() {
  if (WiFi.status() == WL_CONNECTED) return;
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  Serial.print("Wi-Fi");
  for (int i = 0; i < 40 && WiFi.status() != WL_CONNECTED; i++) {
    delay(250);
    Serial.print('.');
  }
  Serial.println(WiFi.status() == WL_CONNECTED ? " connected" : " not yet");
}

void publishMeta() {
  JsonDocument doc;
  doc["name"] = DEVICE_NAME;
  doc["firmware"] = FIRMWARE;
  doc["sampleIntervalMs"] = SAMPLE_INTERVAL_MS;
  JsonArray metrics = doc["metrics"].to<JsonArray>();
  JsonObject light = metrics.add<JsonObject>();
  light["name"] = "light";
  light["unit"] = "%";
  JsonObject rssi = metrics.add<JsonObject>();
  rssi["name"] = "rssi";
  rssi["unit"] = "dBm";
  JsonArray actuators = doc["actuators"].to<JsonArray>();
  JsonObject relay = actuators.add<JsonObject>();
  relay["name"] = "relay";
  relay["type"] = "relay";
  JsonObject led = actuators.add<JsonObject>();
  led["name"] = "led";
  led["type"] = "led";
  String payload;
  serializeJson(doc, payload);
  mqtt.publish(topicMeta, payload, true, 1);
}

bool connectMqtt() {
  if (mqtt.connected()) return true;
  // Last will: the broker publishes "offline" for us when the connection is lost.
  mqtt.setWill(topicStatus.c_str(), "offline", true, 1);
  if (!mqtt.connect(DEVICE_ID, DEVICE_ID, DEVICE_KEY)) {
    Serial.printf("MQTT connect failed (return code %d, error %d)\n", mqtt.returnCode(), mqtt.lastError());
    return false;
  }
  // Order from the protocol: subscribe first (the hub answers the ack subscription with the
  // current head), then announce presence and the description.
  mqtt.subscribe(topicAck, 1);
  mqtt.subscribe(topicCmd, 1);
  mqtt.subscribe(topicError, 1);
  awaitingHead = true;
  headIsResume = false;
  mqtt.publish(topicStatus, "online", true, 1);
  publishMeta();
  Serial.println("MQTT connected");
  return true;
}

uint64_t nowMs() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  // Before NTP has set the clock the time is near 1970: send no ts and let the hub stamp it.
  if (tv.tv_sec < 1600000000) return 0;
  return (uint64_t)tv.tv_sec * 1000ULL + tv.tv_usec / 1000;
}

void publishTelemetry(const Message &m) {
  JsonDocument doc;
  doc["seq"] = m.seq;
  doc["first"] = outbox.oldest();
  if (m.ts != 0) doc["ts"] = m.ts;
  doc["readings"]["light"] = serialized(String(m.light, 1));
  if (m.rssi != 0) doc["readings"]["rssi"] = m.rssi;
  String payload;
  serializeJson(doc, payload);
  // Never larger than the hub takes (these messages are about 80 bytes; this is the rule, not a
  // case that happens): give it up as the hub would, without sending it.
  if (maxPayload != 0 && payload.length() > maxPayload) {
    Serial.printf("message %u larger than the hub takes (%u bytes); dropped\n", (unsigned)m.seq, (unsigned)maxPayload);
    if (refusedCount < 8) refusedSeqs[refusedCount++] = m.seq;
    return;
  }
  mqtt.publish(topicTelemetry, payload, false, 1);
}

void sample() {
  float light = analogRead(LIGHT_PIN) * 100.0f / 4095.0f;
  int rssi = WiFi.status() == WL_CONNECTED ? WiFi.RSSI() : 0;
  Message *m = outbox.add(nowMs(), light, rssi);
  // Not before the resume: it would skip ahead of the unsent backlog (seq_gap); the resume sends it.
  if (m && outbox.numbered() && mqtt.connected() && !awaitingHead) publishTelemetry(*m);
}

void resendBacklog() {
  for (size_t i = 0; i < outbox.size(); i++) publishTelemetry(outbox.at(i));
  lastAckAt = millis();
}

void handleHead() {
  headArrived = false;
  lastAckAt = millis();
  // A fresh boot numbers its messages after the hub's head; afterwards the head drops what is durable.
  outbox.acked(headIsNull, arrivedHead);
  // The resume answer after a (re)connect asks for everything after it; later heads only confirm.
  if (headIsResume) {
    headIsResume = false;
    awaitingHead = false;
    resendBacklog();
  }
}

// The next messages declare the dropped ones gone through `first`.
void handleRefusals() {
  for (uint8_t i = 0; i < refusedCount; i++) outbox.drop(refusedSeqs[i]);
  refusedCount = 0;
}

bool setOutput(const char *name, JsonVariant value, String &error) {
  if (!value.is<bool>()) {
    error = String(name) + " takes true or false";
    return false;
  }
  digitalWrite(strcmp(name, "relay") == 0 ? RELAY_PIN : LED_PIN, value.as<bool>() ? HIGH : LOW);
  return true;
}

void answer(const String &id, bool ok, const String &error) {
  JsonDocument doc;
  doc["id"] = id;
  doc["ok"] = ok;
  if (!ok) doc["error"] = error;
  String payload;
  serializeJson(doc, payload);
  mqtt.publish(topicCmdAck, payload, false, 1);
}

void handleCommand(const String &payload) {
  JsonDocument doc;
  if (deserializeJson(doc, payload) != DeserializationError::Ok) return;
  String id = doc["id"] | "";
  if (id.length() == 0) return;
  for (const Answer &a : answered) {
    if (a.id == id) return answer(a.id, a.ok, a.error);  // redelivered: answer again only
  }
  bool ok = true;
  String error;
  if (doc["action"] != "set") {
    ok = false;
    error = "unknown action; this device takes \"set\"";
  } else {
    JsonObject params = doc["params"].as<JsonObject>();
    // Check every name first so a command is applied whole or not at all.
    for (JsonPair p : params) {
      if (strcmp(p.key().c_str(), "relay") != 0 && strcmp(p.key().c_str(), "led") != 0) {
        ok = false;
        error = String("unknown actuator ") + p.key().c_str();
      } else if (!p.value().is<bool>()) {
        ok = false;
        error = String(p.key().c_str()) + " takes true or false";
      }
    }
    if (ok) for (JsonPair p : params) setOutput(p.key().c_str(), p.value(), error);
  }
  answered[answeredNext] = {id, ok, error};
  answeredNext = (answeredNext + 1) % 8;
  answer(id, ok, error);
}

void setup() {
  Serial.begin(115200);
  pinMode(RELAY_PIN, OUTPUT);
  pinMode(LED_PIN, OUTPUT);
  analogReadResolution(12);
  String base = String("devices/") + DEVICE_ID + "/";
  topicTelemetry = base + "telemetry";
  topicStatus = base + "status";
  topicMeta = base + "meta";
  topicCmdAck = base + "cmd/ack";
  topicAck = base + "ack";
  topicCmd = base + "cmd";
  topicError = base + "error";
  connectWifi();
  configTime(0, 0, "pool.ntp.org", "time.nist.gov");
  mqtt.begin(HUB_HOST, HUB_MQTT_PORT, net);
  // Keepalive 10 s, clean session (the hub redelivers commands itself), 2 s per operation.
  mqtt.setOptions(10, true, 2000);
  mqtt.onMessage(onMessage);
}

void loop() {
  connectWifi();
  if (!mqtt.connected() && !connectMqtt()) delay(1000);
  mqtt.loop();
  handleRefusals();  // before a resume, so it does not resend what the hub refused for good
  if (headArrived) handleHead();
  handleRefusals();  // and what the resend itself found too large
  for (uint8_t i = 0; i < pendingCount; i++) handleCommand(pendingCommands[i]);
  pendingCount = 0;
  if (millis() - lastSampleAt >= SAMPLE_INTERVAL_MS) {
    lastSampleAt = millis();
    sample();
  }
  if (mqtt.connected() && !awaitingHead && outbox.size() > 0 && millis() - lastAckAt > RESEND_AFTER_MS) resendBacklog();
}
