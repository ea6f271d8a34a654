// The ATmega328P simulator lives with the tools (npm run virtual-uno runs it too); tests import it from here.
export { AvrSimulator, parseIntelHex, PinState, type ArduinoPin, type AvrOptions } from '../../tools/avr/simulator.js';
