/**
 * The exact arithmetic the widget needs on decimal strings from the API (compare, add, multiply and divide for
 * display, never store): the shared BigInt decimal, so the widget and the BFF round money the same way. Imported
 * from its own module, which has no dependency, so the bundle takes only these few functions.
 */
export {
  addDecimal,
  compareDecimal,
  divideDecimal,
  isDecimal,
  isNegativeDecimal,
  isZeroDecimal,
  multiplyDecimal,
  roundUpDecimal,
  writtenScale as scaleOf,
} from '@credyt/shared/money';
