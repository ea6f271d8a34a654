// Copy to config.h and fill in. config.h is not kept in version control (it holds secrets).
#pragma once

#define WIFI_SSID "my-network"
#define WIFI_PASSWORD "my-wifi-password"
#define HUB_HOST "192.168.1.10"  // the machine running telemetry-hub
#define HUB_MQTT_PORT 1883       // HUB_MQTT_PORT of the hub
#define DEVICE_ID "esp32-kitchen"
#define DEVICE_NAME "Kitchen ESP32"
// Printed once by `telemetry-hub device add esp32-kitchen` (or POST /api/admin/devices).
#define DEVICE_KEY "paste-the-device-key-here"
