/**
 * A setting or input the engine cannot use. The message names the setting and the value, so the UI and the CLI can
 * show it as it is.
 */
export class InvalidSettingError extends Error {
  constructor(
    /** The setting at fault, e.g. `temperature` or `strategy`. */
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidSettingError';
  }
}
