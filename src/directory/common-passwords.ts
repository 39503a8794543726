/**
 * Passwords people choose first, checked by password-policy.ts. Modest on purpose: the length rule
 * already refuses most of the world's top lists; these are the long ones and the Vietnamese
 * favourites seen on the city's systems. Spelled folded (lowercase, no diacritics), as the
 * candidate is folded before the lookup.
 */
export const COMMON_PASSWORDS: readonly string[] = [
  // digits, keyboards and sequences
  '1234567890', '0123456789', '0987654321', '9876543210', '12345678910', '123456789a', '123456789@',
  '1234567890a', 'a123456789', '123456789aa', '12345678aa', '147258369a', '1472583690', '1597534862',
  '7894561230', '123123123a', '1122334455', '1234512345', '1234554321', '0000000000', '1111111111',
  '6868686868', '8888888888', '6666666666', '8686868686', '3979797979', 'abcd123456', 'abc1234567',
  'abcdefghij', 'qwertyuiop', 'asdfghjkl;', 'zxcvbnm123', '1qaz2wsx3edc', '1q2w3e4r5t', 'qwer123456',
  'qwerty1234', 'qwerty123456', 'q1w2e3r4t5', 'aa12345678', 'aa123456789', 'a1b2c3d4e5',
  // the Vietnamese favourites: a word or nothing, a run of digits, a capital and a symbol to pass old rules
  '123456a@', '123456a@123', '123456aa@', '123456aa@@', 'aa@123456', 'aa@123456789', 'abc@123456',
  'abc@12345678', 'abcd@12345', 'abcd@123456', '12345678@a', '123456@abc', 'a@123456789', 'a1234567@',
  'matkhau', 'matkhau123', 'matkhau@123', 'matkhau1234', 'matkhau12345', 'matkhaumoi', 'matkhaumoi123',
  'doimatkhau', 'doimatkhau123', 'khongcomatkhau', 'khongbiet123', 'quenmatkhau', 'anhyeuem123',
  'emyeuanh123', 'anhyeuem1234', 'yeuemnhieu', 'yeuemmaimai', 'vietnam123', 'vietnam1234',
  'vietnamvodich', 'cantho123', 'cantho@123', 'cantho12345', 'canthogovvn', 'cantho.gov.vn',
  'ubndcantho', 'ubnd@123456', 'admin@123456', 'admin123456', 'administrator', 'password123',
  'password@123', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123', 'iloveyou123', 'welcome123',
  'welcome@123', 'changeme123', 'letmein123',
];

/**
 * Words that stay weak whatever digits or symbols are put around them: `Matkhau@2024`,
 * `Cantho2025!` and `P@ssw0rd!!` are all refused.
 */
export const COMMON_WORDS: readonly string[] = [
  'matkhau', 'matkhaumoi', 'doimatkhau', 'quenmatkhau', 'password', 'passw0rd', 'p@ssw0rd', 'p@ssword',
  'admin', 'administrator', 'quantri', 'cantho', 'canthogov', 'ubnd', 'ubndcantho', 'vietnam', 'hanoi',
  'saigon', 'qwerty', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'abcdef', 'abcdefgh', 'iloveyou',
  'anhyeuem', 'emyeuanh', 'yeuem', 'welcome', 'changeme', 'letmein', 'hello', 'xinchao',
];
