import { Help } from '@oclif/core';

/** oclif's help with Docker's usage line shape ("Usage:  tsdock run [OPTIONS] IMAGE ..."). */
export default class TsdockHelp extends Help {}
