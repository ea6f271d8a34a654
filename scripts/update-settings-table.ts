// Rewrites the configuration table in README.md from the settings schema (npm run docs:settings).
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../src/config/settings.js';

const START = '<!-- settings:start -->';
const END = '<!-- settings:end -->';
const readme = readFileSync('README.md', 'utf8');
const before = readme.slice(0, readme.indexOf(START) + START.length);
const after = readme.slice(readme.indexOf(END));
writeFileSync('README.md', `${before}\n${settingsTable()}\n${after}`);
