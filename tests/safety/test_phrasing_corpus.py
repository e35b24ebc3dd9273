"""The phrasing corpus itself, and the dev part through the red-flag detector.

The dev part is what the patterns are tuned on, so its figures are floors against
regressions, not evidence of safety; the held-out figures are in
``test_heldout_model.py``. The held-out files are frozen: their checksums are pinned
here, so an edit fails the suite (tests/safety/phrasings/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from actions import triage
from tests.safety.corpus import (
    DEV_DIR,
    HELDOUT_DIR,
    Sentence,
    load_dir,
    score,
    sha256_of,
    statuses_from_parse,
)

# Batch A (H1-H3), batch B (H4-H5), batch C (H6-H7), batch D (H8-H9) and batch E
# (H10-H11), written 2026-12-02, batch F (H12-H13), batch G (H14-H15), batch H
# (H16-H17) and batch I (H18-H19), written 2026-12-03, by nineteen writers who had not
# seen the patterns, the training data or any earlier phrasing file. B to I were sealed
# until their first measurement; C was written after the last lexicon change measured
# on A and B; D, F, G and H before the round that followed (measured before and after
# it); I after the last change of 2026-12-03, so its first figure is the assistant's on
# writers it has never met. Sentences a new batch shares word for word with the rest of
# the corpus are dropped from it before it is sealed (19 short replies from I). Batches
# J to O (H20-H31) were written the same way, two writers each, on 2026-12-03.
HELDOUT_SHA256 = {
    "H1.yml": "57624fa87c24ff30920a483248c367c23532d6e57fc0f158f2465cedf8cab31e",
    "H2.yml": "7d9cb6eee4f22b7d130cad358fb497691d261c2c96e3e936e118f19308ad8af6",
    "H3.yml": "19ab7a28d3dcdcbc7aebdd8002ad9edd996cd2cbaecf97770037de2cc0031512",
    "H4.yml": "a5b35cb725b66f40baff05ab5146e388fb962971746c6dfff5179e4d1373d1c0",
    "H5.yml": "8409a9e8086f06e121e8a55120b21f167a7c90b264e479d96aed3fcab512df1c",
    "H6.yml": "7527ec2c3007328aa34e0f747a339a4bc8a8ef3a2e183906547bfbe1f5ff1ab8",
    "H7.yml": "81a00f9095a464236af5a3d841b39d717cc8101acccd0cb168cf3549f6145e0d",
    "H8.yml": "87a0dc2baf5a032049c3bd3287a9e6a803eef43a7cefa34a6617a84698b80d88",
    "H9.yml": "f5469912bc714b150bde2dea65243948e71ee7c35ea5dc9c321b79226c74b374",
    "H10.yml": "7431d9f92384db889fa205a125d20b0a3c99ca2f41962fe3856c0bef0c22f57b",
    "H11.yml": "3da6ed33c7969719c304981f3f9abfa32ec058b88cb5072017a27e75b7bc7530",
    "H12.yml": "27e3c6c2bf3ecd9fce6bb2b5c1ed4872f4f5543a8cb381971faa4e5aa8d6cc54",
    "H13.yml": "f0e64d230740d00c8f17980e0f462404a0caea3ebed9980bb5fc9d0b355ac66d",
    "H14.yml": "5af44feb2d9ee132b957b2e54a5d4d9c8ffc686c139c2b8c1258ff60d8ff98cb",
    "H15.yml": "0305d5d92a9064a39368f0fae2e9e2f81de9c9135c4f6107904c9b9330436357",
    "H16.yml": "51cfb65e90ec0e3283eb867cb08a0e3bb532f89cc4ca916dcdd219921a48b7fe",
    "H17.yml": "62e53b8ebd69b0cbc6f7f2589473eeadd8705b56d1864c0e626535fa055bc32a",
    "H18.yml": "4c86263f55f7ee8805e01157f706253105e2d4bf5045c7626287f666e386d89e",
    "H19.yml": "436b8518e8e1f652be0099c6bb4660281902d0656aac0a546816c403df649ff8",
    "H20.yml": "938663c540c429feafb42632dfde766234627bc8c3bb5687533400cb783ba170",
    "H21.yml": "e131a077b6048c09a50d89f198598238531edc149daf867bdfd6fbeefb78f778",
    "H22.yml": "071cd9ba28409c4287bef6a71b4d2b931492019ffbdb078340da41476510cf06",
    "H23.yml": "a912c108ee7faf8cc0c0da589ecf010b47f90f91a0419bb3b08bfbeb66ed9256",
    "H24.yml": "61a8f1bf60d7206092dc4ae67e3ea31fdfb88eee3041ebbf55646d034a3c232f",
    "H25.yml": "b54ef2770c90b48f1ce0b7dcea3722a4c9e62d471d6895a0ab0200e19ef825c5",
    "H26.yml": "c44b384d24315af6dde177957441d15ca3aba350dcdaa7f5f435ca31e236f461",
    "H27.yml": "bbd917dacc96caa8452e4e137a200e0f63fb4398ae9eca3165b6b92b9033a305",
    "H28.yml": "d83202cac4e2693a33b73ae7cee7e9c4a6a0a9921d8aedea45ffdbe6727a3e5a",
    "H29.yml": "245ff5b8713935916aca797ebf75326fd6813ca37713973e915f05c67693a7b7",
    "H30.yml": "c7c6edef28f64731dbe64a665547a66439fdd346cdccfa28917607aec26b3197",
    "H31.yml": "e3c71f62c613b18cd482560a4ce67155d0c6426dccb0464dd2095c90059341ab",
    "H32.yml": "5536cc2351482e12fc74e251009d8faf95056897d92e3d4013262729b78f6f3a",
    "H33.yml": "9d21a20ba8b58cd432f1393facdc4153ba5fe554c987eaca076b42ba3068d47c",
    "H34.yml": "5980cd4b82ba0424afe6cda821d86475768f24ddc3789bdac2497f2cd7d5ae54",
    "H35.yml": "9a413c1a781baffe48c34b82ce115903b4287f72509d328d57c85867746720e9",
    "H36.yml": "2a339647c972a4901102f137d9f665e806b9cc5448330a170ab659dcc25dd32c",
    "H37.yml": "dc87db6ca6894db409a042c093b7f5d704f016b75dd1d4febf02dd556ee03d72",
    "H38.yml": "8826994471f6dde4e63ee7fb8bc64f7e5db59181d40465c2337b9caa7bb6bf1a",
    "H39.yml": "2d96ea1fa352fce40367429f83317c891924d80377abc6e808ad84bbd7af1a96",
    "H40.yml": "c6a57aa16212625670eeb577acfe7130fb5a404cc2b5a53bf5e0e8b8244a78cf",
    "H41.yml": "a568660960498e07744f332a5e0fbb142d613732459f5b390c0ca6e858f9eef0",
    "H42.yml": "9d99489bb8ac53fe63e777348bec26b40b94d332771dfb0dd4efc664bc9f73ab",
    "H43.yml": "db21f3cf78d1a2d5493b651f3fa1546dedffc39ded5569d296e565df2bf88d46",
    "H44.yml": "4ad361615753b084a4a3e216330d31d877fdc2449f86a0b9bf8b9c5d4f4b94c8",
    "H45.yml": "a23e470f87e85d79415618aa3c79466dd655e2861d029fd7a48d0b532f7d1bd9",
    "H46.yml": "8c8f4c70508e9829a54b076839329cca4b1b37fad9a1554b2bad99418d18f371",
    "H47.yml": "107763ac450eb0fb4558236d05bcd0b18c8732063b76f76eea05c3642713fe36",
    "H48.yml": "bbbb6602d7d957f19ee5b86427c88b864a72f2512c128f37e08e5a7a2dc9eb3c",
    "H49.yml": "ee9edbea708aca0eb51803b5ffe752229178b50d175e849c189b0e766de49b89",
    "H50.yml": "d89beb191657e69164b8ce5b9fb541c67517c7c33f77021479ac1bb8a3947de2",
    "H51.yml": "638c927546a5247cd31d67ff5e40fab69f4b8f526c9b8c9237b368ff50932edb",
    "H52.yml": "3e437da93fb2b2566a9969148d2a805847aa0bb67c325c17c722e00b6dd5731b",
    "H53.yml": "9c69840297563780b0b61a98bb7fcd7416f82eaae223c0310b6a08f6c109368f",
    "H54.yml": "5ad379c80eb0b1ce0eeb68c3b1d9fd2bd66d432003d193c7f47e014296b452dc",
    "H55.yml": "ffc718d6a710145df19dd5e4239e888bd092424a3f44ed0c4802a8060f422565",
    "H56.yml": "5657a27bb4e2e1da34573f1e8ddf95529d95b8a3c87d72e1d55eea012dbb7608",
    "H57.yml": "e26831262bef098a483e3d1acc0e7eb419b8d966af037494f459f458a1334d6f",
    "H58.yml": "60ed415ec4ebdd573e8937d6745dbb3b5946724974ac8a0ef3356e0aa87d3638",
    "H59.yml": "9684a5beeea3dd1c23b011a83a9a7b67f3b46e9a8bcdbb1b9754e74ed975a243",
    "H60.yml": "b84f6af94c2aa45f1667eb5186ca89a4a3b7768f47ff80a11ecbff02d58336b2",
    "H61.yml": "f2fad718744f66ef94a8b811ba5e935d90226d1f7004136a5b67e1f7a84c181d",
    "H62.yml": "81e81ccd74a6510b42f1dcbb0cf36e03b63538406650cacefe94be56670f4523",
    "H63.yml": "35c9d3042cd430766a1fa8912a382319a348eb62830c335f5f2a87a6ace24931",
    "H64.yml": "2bec06cedb740739495bd6b50ab10007d59ae9a64d84febb15ab8bbbc931af80",
    "H65.yml": "f6a045c386f0ceee8e235d05f276cef335f278a24d829f917dfe842dc8c9529d",
    "H66.yml": "58caa9e2c7fb1b373dd02dc247affaf12086bdc1e06d9a551b6f852e428c04e7",
    "H67.yml": "2966d7259c76d59eeb53fe2e46a1e842fa316e34b39654b8a63adbea2bf946fa",
    "H68.yml": "9e6560fbac7fa68aa3932b53e13aee868807fdf0715525703c6bf20b49bd9588",
    "H69.yml": "b18ba59352bf6b457d3ace1736a1922578972fa211edd83b3c2dd8331d891757",
    "H70.yml": "ec15421b89ed8f0c91029d7984a163f9c5ca87321045c92c0e9e86b6a8190993",
    "H71.yml": "913a86862f3e90758b2fb81539a8f9043775d81f5c25be8d8d0de2b61f3a54dc",
    "H72.yml": "6ec8e20fc59929d7ac225738d109bb3b0d7cdf65ce29d25fa151a7b5037419ad",
    "H73.yml": "e22b004c200271116da2a1b165050b1f8aabbaaada9c8cbb3ac59262e3a65d4b",
    "H74.yml": "94075da355ff47784453a2f0d1723cca853b547d949103571bc28b36e0f28785",
    "H75.yml": "fb9e25c45fd50d8dd7c6653bf0f6e2f99ce303906c9858edc7645feecba4907f",
    "H76.yml": "f16aaf56736f6a58428bb667405f4fc1dc381de0af6cbc590a595d52822443bd",
    "H77.yml": "003888ac73930eb646a1aaf6b590aea62712369726e7cfbd0ed7048cc5cac44d",
    "H78.yml": "dc24f62c51d393fae6adf0aa100923f26f17142a20104caf859d3899e23270c4",
    "H79.yml": "1311832a9aa9413b1d3f07b9f90fdffd34c6f42694446865bc224914cde2dee6",
    "H80.yml": "ff57f286175d5ac530b10adac55df5a83b5c021f2287189c013b35ac2064b517",
    "H81.yml": "cd02550d4f7202af5dfa6cabb59ddd39054a0bdf157867e6dac3b236cda4debd",
    "H82.yml": "86841d1d1d7ed8393225d1e220cb3a5ebff9a8175b25029d24b734c8a9ef8c26",
    "H83.yml": "68f191a259d189731d9d19df6d7aecf85c70b8230435353370075d4791d1c640",
    "H84.yml": "28f33e956fd8d61263e538ff736503f1697cfcd0bba5ee3bd20005e9d81417eb",
    "H85.yml": "9ccb2e34864e4d057efd4d3d1fc62490a290936937e0184ef0c9c3c2db4c25d6",
    "H86.yml": "afafe4f4dda230a448c7aeb10998f371b343bda67c0cfdbd3161e47db2101dfd",
    "H87.yml": "778fc971f73fed73fbb2e03a9573f9775b754a8fae277def90fa51fa85b58aeb",
    "H88.yml": "0d4d4d561d5f82f21d0ba0e020541889550e7279a9d0b9c6bccaf8df094af2a9",
    "H89.yml": "c01b907300ec43fad556126d42444bfccd1d543da5e5cc59e95797640aa1f989",
    "H90.yml": "d3475946f30f855c84f04acf132d4a5e2bd9523d0ce4cb9de6db89fececa6866",
    "H91.yml": "a3e55ac3e5cfac5dd2be8770d1fdb14efd6bbf839111428c4e5d7a095c36b6a1",
    "H92.yml": "bd7332444ba50e9678a3d56c783eb8b965cbd69f5965a4cfe4a2554e43203412",
    "H93.yml": "c746c262b57cfb0a2081bccbd155107bf2a0217f27ee470c90945bfccd18a15b",
    "H94.yml": "663b16cc35a46ca42733aae0f85d4ad0e6836bb511bdaf3d95aca8e31d3210ea",
    "H95.yml": "6d1058e23575c4b9698baa96a0960481bc1aaa35c651bddcc27c052dd3dd0015",
    "H96.yml": "8f2c112a3c2a8b01518612f71e63879ed3d4ff1dfe7ea60a76bc81c0ecdfe261",
    "H97.yml": "1529eeecc25cd5e60b724041668e91b2e70b5fd00ffb659b3c30d348b180518e",
    "H98.yml": "e86b81322dabe88303b262d81dd1600e59f607023925abb5e9cdc8f697e17c9e",
    "H99.yml": "20f3e843dda5c87920edd4fe1f006bd2bb568bfe2a71f760b3da908760e00a32",
    "H100.yml": "24449a9ad2887eed5c63d35951c9c2cc4ba39fbd8face2380774c476bb5c4802",
    "H101.yml": "fcebba67ba2dd4771380c40203ab118250f021ce8054273519177f2d43ea145d",
    "H102.yml": "e0ef1db545285a0851324d21b0b742d70af8241637641cac31c512f9c857efb6",
    "H103.yml": "59ec705eed69a317af1855bc25bdc1b640f80f66a49d26d0fa94ff75417c4664",
    "H104.yml": "c3868a43f98483e935025261501f96b9476aaafb60cdead39ee10551148db9c2",
    "H105.yml": "72140ca18299e40feb5abd8cd869325ead74f225faaf94c7501c3bcb4da3eef9",
    "H106.yml": "de19c53dcddbc6a7ba8fc111e0e5bdb72a79a2cd8a72493ce8d94569107a5395",
    "H107.yml": "e0a4a3c178b3cb13b3696cd905dc664befac1287a73227bd5d1e8a2d900ecd8a",
    "H108.yml": "4599d2838697757bc870b1bf3c557f5bd7ab9e6dd98363d47d6a036a7ddd0aeb",
    "H109.yml": "90cb84bbcc84b0a62f0f8b2a9a633da745df103c664ba28522d3fd90e5eaab0a",
    "H110.yml": "6b36af303bab0ca60a97e0288f9d0ed2769277f0768aae9d1c5408d49761a9c8",
    "H111.yml": "2e9153e0eaee9429ace6bfb67cf3bba1262a04361a476d87a14459cfd1fe4aec",
    "H112.yml": "184fd7fc0a2ad4af3729aeaa63642c418a311f9f809f3667192458eafefd488a",
    "H113.yml": "a6152cab7daa3c7354a9ed3b1cb829c61c83ee233a2f51f4c477262a03256b39",
    "H114.yml": "13b797eb555a6931baa307d65a0398185ecdefebe7a4373f6cc64624ead2a769",
    "H115.yml": "938fdbb0dc593085dea32fc87323e90d7f0072d7949e79f593852d9689c2b17a",
    "H116.yml": "bfdce1ec37375c5929ed607a738cb31c22b956b1379574c4f7830c22603b6d8c",
    "H117.yml": "91828516ff18978ed5a8772756f2a12f0e345dc99c3f6ecd8f4e3d80fc14a498",
    "H118.yml": "7f589f5fb28cf0ed49d2992ed648732f1a10ffc914f9dcfaa5e4a8a9c86d3748",
    "H119.yml": "70962cfc513dd2ae9a0576fab651cc378706c60c64126920eca36829813d5fed",
    "H120.yml": "d84021e09f6a8157a846a9c6e34f7f3c15e333a4c9bb1b2c78c8a040f648b0ef",
    "H121.yml": "9ce0e9f6a2dad367280119589390e8d47c83394889ad966ff76c9129f39c5f58",
    "H122.yml": "4fad1f9097e6618604e31fe69cf263b55341f097d6ebaef8d6ad54c136c02d43",
    "H123.yml": "95e9f102110d0360e1679c523d9d0791e88dd3d3aff8a2071a2efbe3a5159d3e",
    "H124.yml": "539bef86aaa0e02aa167dc77a9bb923e136fe313e644a4332aace3d57e2c1b93",
    "H125.yml": "cd3dbf09d2efdce70b01a0be4bc568c11ff269aad79890c73eee6f2d809e9b5a",
    "H126.yml": "3a1fb460bd76a77e9766771a423dfd0f81adafb57087b298fcd3db202e0dacdb",
    "H127.yml": "1c859731c422cf47b0721e66f985d8f219416908cb4ff22e38a2154d09f638cb",
    "H128.yml": "2f4741f7e28c29157be2e882007f41ecb66810017fa5b6b2ce82cae434d09339",
    "H129.yml": "8b789d3c1366b6f46fc7af0dbcb665f2855a7536fd7b44fbf84ab7c3b6821f72",
    "H130.yml": "26b5ef2cf2af6bb400f3fbed3b4acda73fb25f26aceda7e644a59cf3e7b27762",
    "H131.yml": "11441ead0bedcace67dd89d1debe88d2ac806d25304aaf85c01f13835532116a",
    "H132.yml": "f29079eb4e2c5587098053e73fafe80f0198c06879cc8f178bfd8f1d05efb5ba",
    "H133.yml": "97bcc6534d99a9bbd1803a5a5a31d3619239be15d0595dc207fede000c465f28",
    "H134.yml": "939d7cc9fe2006ff6b2b70862a69a88ebb66cbe51dd5653ec878fb3c71906ec9",
    "H135.yml": "889e4dedab432b7eccf2a5570854114e9fa8d365244aefd837256fc8fae7e64c",
}

# Floors for the dev part (regression guards; measured 2026-12-02 just above these).
# 0.99 until D33 and D34 joined (thirteenth round): strong dialects and hard
# look-alikes beside real flags, 240 of 247 and 127 of 138 present sentences found
# (dev without them 99.2 %, one sentence more than before the round; with them 98.9 %,
# 5,753 of 5,817).
# 0.988 until D37 and D38 joined (fifteenth round): understated reports in strong
# dialects, and real flags told like look-alikes, 314 of 343 present sentences found
# after the round (302 before it); dev without them 98.9 % (6,128 of 6,195, one sentence
# more than before the round); with them 98.5 % (6,442 of 6,538).
# 0.985 until D39 and D40 joined (sixteenth round): emergencies told in metaphors and
# long messages with several flags, 345 of 362 present sentences found after the round
# (330 before it); dev without them the same as before the round (6,442 of 6,538);
# with them 98.4 % (6,787 of 6,900).
# 0.983 until the classifier learnt from D27-D40 too (seventeenth round): they are no
# longer unseen text for it, 99.5 % (6,864 of 6,900). What an unseen writer gets is
# measured by five folds of whole writers (README, "Safety figures").
# 0.994 until D41-D44 joined (eighteenth round): understated reports in strong voices,
# the boundary of degree and doubt, and long stories with several flags, 704 of 759
# present sentences found by the detector of the round before, 735 after (the
# classifier learns from them); dev 99.2 % (7,599 of 7,659).
# 0.992 until D45 and D46 joined (nineteenth round): harmless causes ruled out or
# outlasted, and messages written for someone else with a line about the writer, 407
# of 444 present sentences found by the detector of the round before, 431 after; dev
# 99.1 % (8,031 of 8,103).
# 0.991 until D49 and D50 joined (twenty-first round): D49 was asked for doubt and its
# sure near twins ("I think" as politeness around a clear report), 75 of 87 present
# sentences found by the detector of the round before, 82 after; dev 99.09 % (8,511 of
# 8,589).
# 0.990 until D51 and D52 joined (twenty-second round): signs told as questions, doubt
# about a cause beside a sure sign, signs taken back; 305 of 334 present sentences found
# by the detector of the round before, 321 after; dev without them the same as before
# (8,511 of 8,589); with them 98.98 % (8,832 of 8,923).
DEV_MIN_PRESENT_RECALL = 0.989
# 0.045 until D27 joined (ninth round): its writer was asked to label a sign that
# passed in this episode absent ("went numb for a sec but it's gone"); the detector
# reads such a sign present on purpose, as the held-out writers label it (5.6 % with it).
# 0.057 until D31 joined (twelfth round): a quarter of it are general questions ("can a
# cramp make you short of breath?") that the second net reads as reports (5.75 % with
# it, 5.6 % without). Keeping the second net from them cost held-out present sentences
# through the model (figures only), so it was not kept.
# 0.058 until D34 joined (thirteenth round): half of it are hard look-alikes (other
# people's signs, passed signs, explained causes), 25 of 160 read present after the
# round (29 before); dev without D33 and D34 5.7 % (241 of 4,211, one fewer than before).
# 0.062 until D40 joined (sixteenth round): two thirds of it are hard look-alikes
# (other people's and pets' signs, general questions, worries about the future,
# explained causes), 43 of 215 read present after the round (46 before); dev without
# D39 and D40 one more (D27's passed prediabetes, read present as passed signs are:
# 302 of 4,884); with them 6.8 % (347 of 5,127).
# 0.068 until the classifier learnt from D27-D40 too (seventeenth round): 6.5 % (335 of
# 5,127).
# 0.066 until D41-D44 joined (eighteenth round): two thirds of D41 and much of D44 are
# hard look-alikes, 72 of 465 flag-free sentences read present by the detector of the
# round before, 58 after; dev 7.1 % (395 of 5,592).
# 0.071 until D45 and D46 joined (nineteenth round): a quarter of D45 are causes that
# really explain a sign or signs that went, 16 of 166 flag-free sentences read present
# before the round and after; dev 7.1 % (409 of 5,758, just above 0.071).
# 0.072 until D51 and D52 joined (twenty-second round): a third of D52's flag-free
# sentences are signs taken back or past episodes beside today's, 24 of 98 read present
# by the detector of the round before, 17 after; dev without them the same as before
# (447 of 6,230); with them 7.3 % (468 of 6,432).
# 0.073 until D65 and D66 joined (twenty-ninth round): asked for look-alikes of the
# flags with the most held-out false-presents and for long stories about other people,
# 73 of 244 flag-free sentences read present by the detector of the round before, 38
# after; dev without them 570 of 7,937 (571 before the round); with them 7.4 % (608 of
# 8,181).
# 0.075 until D67 and D68 joined (thirtieth round): emergency signs told indirectly and
# half-yes replies beside look-alikes, 35 of 223 flag-free sentences read present by the
# detector of the round before, 24 after; dev without them 609 of 8,181 (608 before the
# round, the one more from the classifier retrained on them); with them 7.5 % (633 of
# 8,404).
DEV_MAX_FALSE_PRESENT = 0.076
# 0.97 until D31 joined (twelfth round): its writer was asked for doubt in as many
# ways as people voice it, 180 unsure sentences of which the detector finds 161 (dev
# without D31 97.3 %; with it 96.4 %).
# 0.963 until D41-D44 joined (eighteenth round): D43 was asked for the boundary of
# degree and doubt, D44 for doubt beside other flags in long messages; D41-D44 149 of 158
# unsure sentences found (the same before the round's wordings); the round's wordings
# and classifier lost one unsure sentence elsewhere in dev; dev 96.3 % (2,238 of 2,325).
# 0.962 until D49 and D50 joined (twenty-first round): half of D49 is doubt in many
# wordings, 138 of 148 unsure sentences found by the detector of the round before,
# 137 after; dev 96.1 % (2,565 of 2,669).
# 0.961 until D51 and D52 joined (twenty-second round): a third of D51's unsure
# sentences are questions about a sign the writer cannot judge, 84 of 104 unsure
# sentences found by the detector of the round before, 85 after; dev without them
# 96.4 % (2,572 of 2,669; 2,565 before the round); with them 95.8 % (2,657 of 2,773).
# 0.958 until D53 and D54 joined (twenty-third round): D54 was asked for cases
# honestly between a general question and frequent cramps, 38 of 42 unsure sentences
# found (the same before the round's wordings); dev without D53 and D54 the same as
# before (2,657 of 2,773); with them 95.75 % (2,726 of 2,847).
DEV_MIN_UNSURE_RECALL = 0.957


@pytest.fixture(scope="module")
def dev() -> list[Sentence]:
    """Every dev sentence."""
    return load_dir(DEV_DIR)


@pytest.fixture(scope="module")
def heldout() -> list[Sentence]:
    """Every held-out sentence."""
    return load_dir(HELDOUT_DIR)


def test_heldout_files_are_frozen() -> None:
    """The held-out batches are exactly the ones written for it."""
    found = {path.name: sha256_of(path) for path in sorted(HELDOUT_DIR.glob("*.yml"))}
    assert found == HELDOUT_SHA256


def test_corpus_is_large_and_split(
    dev: list[Sentence], heldout: list[Sentence]
) -> None:
    """At least 1,500 sentences, at least 30 % held out, no sentence in both parts."""
    total = len(dev) + len(heldout)
    assert total >= 1500
    assert len(heldout) / total >= 0.30
    assert not {s.text.lower() for s in dev} & {s.text.lower() for s in heldout}


@pytest.mark.parametrize("part", ["dev", "heldout"])
@pytest.mark.parametrize("flag", [f.id for f in triage.RED_FLAGS])
def test_every_flag_in_every_form(
    part: str, flag: str, dev: list[Sentence], heldout: list[Sentence]
) -> None:
    """Each flag appears present, absent and unsure, and as a reply to its question."""
    sentences = dev if part == "dev" else heldout
    statuses = {s.flags[flag] for s in sentences if flag in s.flags}
    assert statuses == {triage.PRESENT, triage.ABSENT, triage.UNSURE}
    assert any(s.asked == flag for s in sentences)


def test_look_alikes_and_combinations(heldout: list[Sentence]) -> None:
    """The held-out part has flag-free sentences and sentences with several flags."""
    assert sum(s.is_negative for s in heldout) >= 150
    assert sum(len(s.flags) > 1 for s in heldout) >= 60


def detector_statuses(nlp: Language, sentence: Sentence) -> dict[str, str]:
    """What the detector alone (with the reply rules, no intent) makes of a sentence."""
    entities = [
        {"entity": "red_flag", "value": f["flag"], "role": f["status"]}
        for f in nlp(sentence.text)._.red_flags
    ]
    return statuses_from_parse(
        sentence, {"entities": entities, "intent": {"name": None, "confidence": 0.0}}
    )


def test_dev_figures_through_the_detector(
    red_flag_nlp: Language, dev: list[Sentence]
) -> None:
    """Dev floors: a drop means a pattern change broke what used to work."""
    scores = score(dev, lambda s: detector_statuses(red_flag_nlp, s))
    print("\n" + scores.summary("dev part, detector only"))
    assert scores.present_recall >= DEV_MIN_PRESENT_RECALL, scores.misses
    assert scores.false_present <= DEV_MAX_FALSE_PRESENT, scores.misses
    assert scores.unsure_recall >= DEV_MIN_UNSURE_RECALL, scores.misses


def test_dev_and_heldout_folders_exist() -> None:
    """Both parts are where the README says."""
    assert Path(DEV_DIR).is_dir() and Path(HELDOUT_DIR).is_dir()
