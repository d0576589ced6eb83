#!/usr/bin/env node
// The executable: the bundled CLI's entry point.
import { run } from './cli.ts';

void run();
