export const PACKAGE_NAME = '@behavior-rate/otel';
export const PACKAGE_VERSION = '0.1.0';
