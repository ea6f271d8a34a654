#!/usr/bin/env bash
# Compiles firmware/serial-telemetry for an Arduino Uno/Nano (ATmega328P, 16 MHz) with Debian's
# gcc-avr, avr-libc and arduino-core-avr, into firmware/serial-telemetry/build/serial-telemetry.hex.
# Usage: scripts/build-firmware.sh [extra compiler flags, e.g. -DDEVICE_ID=\"uno-kitchen\"]
set -euo pipefail
cd "$(dirname "$0")/.."

CORE=${ARDUINO_CORE:-/usr/share/arduino/hardware/arduino/avr}
SKETCH=firmware/serial-telemetry
BUILD=$SKETCH/build
MCU=atmega328p
F_CPU=16000000L
# gcc-avr 5.4 lacks DECIMAL_DIG, which Debian's Arduino core expects from <float.h>.
DEFINES=(-mmcu=$MCU -DF_CPU=$F_CPU -DARDUINO=10819 -DARDUINO_AVR_UNO -DARDUINO_ARCH_AVR -DDECIMAL_DIG=__DECIMAL_DIG__ "$@")
INCLUDES=(-I"$CORE/cores/arduino" -I"$CORE/variants/standard" -I"$SKETCH")
CFLAGS=(-c -Os -w -ffunction-sections -fdata-sections -flto -MMD)
CXXFLAGS=("${CFLAGS[@]}" -std=gnu++11 -fpermissive -fno-exceptions -fno-threadsafe-statics)

for tool in avr-gcc avr-g++ avr-objcopy avr-size; do
  command -v "$tool" >/dev/null || { echo "build-firmware: $tool not found (apt-get install gcc-avr avr-libc arduino-core-avr)" >&2; exit 1; }
done
[ -f "$CORE/cores/arduino/Arduino.h" ] || { echo "build-firmware: no Arduino core in $CORE (apt-get install arduino-core-avr)" >&2; exit 1; }

rm -rf "$BUILD"
mkdir -p "$BUILD/core" "$BUILD/sketch"

objects=()
for src in "$CORE"/cores/arduino/*.c "$CORE"/cores/arduino/*.cpp "$CORE"/cores/arduino/*.S; do
  [ -e "$src" ] || continue
  obj="$BUILD/core/$(basename "$src").o"
  case "$src" in
    *.c) avr-gcc "${CFLAGS[@]}" -std=gnu11 "${DEFINES[@]}" "${INCLUDES[@]}" "$src" -o "$obj" ;;
    *.cpp) avr-g++ "${CXXFLAGS[@]}" "${DEFINES[@]}" "${INCLUDES[@]}" "$src" -o "$obj" ;;
    *.S) avr-gcc -c -x assembler-with-cpp -flto "${DEFINES[@]}" "${INCLUDES[@]}" "$src" -o "$obj" ;;
  esac
  objects+=("$obj")
done

# The Arduino IDE compiles the .ino as C++; it already includes Arduino.h and declares its functions in order.
cp "$SKETCH/serial-telemetry.ino" "$BUILD/sketch/serial-telemetry.cpp"
for src in "$BUILD/sketch/serial-telemetry.cpp" "$SKETCH"/*.cpp; do
  obj="$BUILD/sketch/$(basename "$src").o"
  avr-g++ "${CXXFLAGS[@]}" "${DEFINES[@]}" "${INCLUDES[@]}" "$src" -o "$obj"
  objects+=("$obj")
done

avr-gcc -w -Os -flto -fuse-linker-plugin -Wl,--gc-sections -mmcu=$MCU "${objects[@]}" -o "$BUILD/serial-telemetry.elf" -lm
avr-objcopy -O ihex -R .eeprom "$BUILD/serial-telemetry.elf" "$BUILD/serial-telemetry.hex"
# Tests use the hex only when it was built without extra flags.
printf '%s\n' "$*" > "$BUILD/extra-flags.txt"
avr-size --mcu=$MCU -C "$BUILD/serial-telemetry.elf" | grep -E 'Program|Data'
echo "built $BUILD/serial-telemetry.hex"
