// Messages of an ESPHome node named `livingroom`, written in the format of the ESPHome
// documentation (esphome.io, "MQTT Client Component", and the discovery configs ESPHome sends with
// Home Assistant's abbreviated keys); no published capture of a node's traffic is among the
// project's fixtures.

/** A discovery config as ESPHome publishes it for a sensor (abbreviated keys, `dev` with its software). */
export const TEMPERATURE_CONFIG = JSON.stringify({
  dev_cla: 'temperature',
  unit_of_meas: '°C',
  stat_cla: 'measurement',
  name: 'Temperature',
  stat_t: 'livingroom/sensor/temperature/state',
  avty_t: 'livingroom/status',
  uniq_id: 'ESPsensortemperature',
  dev: { ids: 'a4cf12abcdef', name: 'livingroom', sw: 'esphome v2024.6.0 Jun 20 2024, 10:00:00', mdl: 'esp32dev', mf: 'espressif' },
});
