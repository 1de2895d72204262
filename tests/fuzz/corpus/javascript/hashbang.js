#!/usr/bin/env node
require('net')