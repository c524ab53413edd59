#!/usr/bin/env node
// The payauth binary. The sources are TypeScript run by Node's type stripping (Node >= 22.18; the repository pins 24).
import '../src/bin.ts';
