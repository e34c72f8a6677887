/* lk_gen: synthetic license records that pass lk_record_validate, for tests, the demo and the
 * import benchmark. Each record is derived only from (seed, index), so a benchmark can regenerate
 * record i to look up its holder without keeping a million records around. */
#include "kiosk/lk_gen.h"

#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_entity.h"
#include "kiosk/lk_idnum.h"
#include "kiosk/lk_uscc.h"

#define SCOPE_MAX_CHARS 3000
#define LAST_DAY        20250630 /* no generated date is later, so records stay valid */
#define N_OF(a)         (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Static data */

typedef struct region {
    const char *prefix;    /* address prefix: province, city, district */
    const char *city;      /* as it opens a business name */
    const char *district;  /* short district name, for branch names */
    const char *code;      /* GB/T 2260 district code */
    const char *uscc_code; /* division of the registration authority */
    const char *authority;
    int rural;
} region;

static const region regions[] = {
    {"北京市朝阳区", "北京", "朝阳", "110105", "110105", "北京市朝阳区市场监督管理局", 0},
    {"北京市海淀区", "北京", "海淀", "110108", "110108", "北京市海淀区市场监督管理局", 0},
    {"天津市南开区", "天津", "南开", "120104", "120104", "天津市南开区市场监督管理局", 0},
    {"上海市浦东新区", "上海", "浦东", "310115", "310115", "上海市浦东新区市场监督管理局", 0},
    {"上海市徐汇区", "上海", "徐汇", "310104", "310104", "上海市徐汇区市场监督管理局", 0},
    {"广东省深圳市南山区", "深圳市", "南山", "440305", "440300", "深圳市市场监督管理局", 0},
    {"广东省深圳市福田区", "深圳市", "福田", "440304", "440300", "深圳市市场监督管理局", 0},
    {"广东省广州市天河区", "广州市", "天河", "440106", "440106", "广州市天河区市场监督管理局", 0},
    {"浙江省杭州市西湖区", "杭州市", "西湖", "330106", "330106", "杭州市西湖区市场监督管理局", 0},
    {"江苏省南京市鼓楼区", "南京市", "鼓楼", "320106", "320106", "南京市鼓楼区市场监督管理局", 0},
    {"四川省成都市武侯区", "成都市", "武侯", "510107", "510107", "成都市武侯区市场监督管理局", 0},
    {"湖北省武汉市洪山区", "武汉市", "洪山", "420111", "420111", "武汉市洪山区市场监督管理局", 0},
    {"福建省厦门市思明区", "厦门市", "思明", "350203", "350203", "厦门市思明区市场监督管理局", 0},
    {"山东省济南市历下区", "济南市", "历下", "370102", "370102", "济南市历下区市场监督管理局", 0},
    {"河南省郑州市金水区", "郑州市", "金水", "410105", "410105", "郑州市金水区市场监督管理局", 0},
    {"陕西省西安市雁塔区", "西安市", "雁塔", "610113", "610113", "西安市雁塔区市场监督管理局", 0},
    {"湖南省长沙市岳麓区", "长沙市", "岳麓", "430104", "430104", "长沙市岳麓区市场监督管理局", 0},
    {"重庆市渝中区", "重庆市", "渝中", "500103", "500103", "重庆市渝中区市场监督管理局", 0},
    {"山东省潍坊市寿光市", "寿光市", "寿光", "370783", "370783", "寿光市市场监督管理局", 1},
    {"河南省周口市西华县", "西华县", "西华", "411622", "411622", "西华县市场监督管理局", 1},
    {"四川省眉山市丹棱县", "丹棱县", "丹棱", "511424", "511424", "丹棱县市场监督管理局", 1},
    {"黑龙江省绥化市庆安县", "庆安县", "庆安", "231224", "231224", "庆安县市场监督管理局", 1},
    {"江西省赣州市信丰县", "信丰县", "信丰", "360722", "360722", "信丰县市场监督管理局", 1},
    {"云南省普洱市思茅区", "普洱市", "思茅", "530802", "530802", "普洱市思茅区市场监督管理局", 1},
};

/* Places of household registration, beyond the regions above, for identity numbers. */
static const char *const birth_codes[] = {
    "130102", "140105", "150102", "210102", "220102", "230103", "340102", "360102", "450103",
    "460105", "520102", "540102", "620102", "630102", "640104", "650102", "440305", "110105",
    "310104", "330106", "510107", "420111", "410105", "370102", "430104", "500103", "350203"};

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",   "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓",   "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏",   "魏",
    "吕", "丁", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "欧阳", "司马"};

static const char *const given[] = {
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "霞", "平", "刚", "桂", "华", "建", "国", "志", "红", "玉", "兰",
    "文", "辉", "鹏", "俊", "婷", "雪", "琳", "晨", "浩", "宇", "欣", "怡", "子", "梓", "涵",
    "嘉", "博", "思", "佳", "海", "波", "亮", "春", "燕", "德", "福", "荣", "慧", "丹", "凯"};

static const char *const brands[] = {
    "华信", "鼎盛", "恒通", "金泰", "博远", "天宇", "瑞丰", "宏达", "新锐", "嘉禾", "汇智",
    "蓝海", "星辰", "万象", "德润", "安和", "启明", "泰和", "中科", "云帆", "青禾", "润田",
    "鑫源", "隆昌", "佳美", "永兴", "创联", "远航", "合众", "聚力", "正邦", "信达"};

static const char *const industries[] = {
    "科技",     "信息技术",   "贸易",     "商贸",     "电子",     "网络科技", "文化传媒",
    "建筑工程", "物流",       "餐饮管理", "投资咨询", "生物科技", "新能源",   "医疗器械",
    "教育科技", "供应链管理", "实业",     "装饰工程", "环保科技", "农业发展"};

static const char *const shops[] = {"便利店", "五金店",     "小吃店",   "理发店", "水果店",
                                    "服装店", "电器维修部", "烟酒商行", "百货店", "餐馆"};
static const char *const crops[] = {"蔬菜种植", "果蔬",       "生猪养殖",   "茶叶种植",
                                    "水稻种植", "中药材种植", "食用菌种植", "肉牛养殖"};
static const char *const roads[] = {"深南大道", "人民路",   "解放路", "中山路",   "建设路",
                                    "科技园路", "新华路",   "和平路", "长江路",   "东风路",
                                    "学府路",   "滨海大道", "金融街", "世纪大道", "文化路"};
static const char *const towns[] = {"城关镇", "新民镇", "红星乡", "太平镇", "永安镇"};
static const char *const buildings[] = {"大厦", "广场", "中心", "科技园", "商务楼"};

/* Clauses carry their length: they are the bulk of what the generator copies. */
typedef struct clause {
    const char *s;
    size_t len;
} clause;
#define C(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }

static const clause general_clauses[] = {
    C("计算机软硬件的技术开发、技术咨询、技术服务"),
    C("电子产品的研发与销售"),
    C("国内贸易（不含专营、专卖、专控商品）"),
    C("经营进出口业务"),
    C("企业管理咨询"),
    C("信息咨询（不含限制项目）"),
    C("市场营销策划"),
    C("会议及展览服务"),
    C("日用百货的销售"),
    C("办公用品的销售"),
    C("机械设备租赁"),
    C("物业管理"),
    C("广告设计、制作、代理、发布"),
    C("建筑材料的销售"),
    C("五金交电的销售"),
    C("服装鞋帽的销售"),
    C("家用电器的销售与维修"),
    C("农产品的收购与销售"),
    C("供应链管理及相关配套服务"),
    C("货物及技术进出口"),
    C("网络技术开发"),
    C("数据处理和存储服务"),
    C("文化活动策划"),
    C("礼仪服务"),
    C("摄影服务"),
    C("园林绿化工程施工"),
    C("室内外装饰装修工程的设计与施工"),
    C("新能源技术推广服务"),
    C("工业自动化设备的研发"),
    C("汽车零配件的销售"),
    C("体育用品的销售"),
    C("化妆品的销售"),
    C("仓储服务（不含危险化学品）"),
    C("人力资源信息咨询"),
    C("教育信息咨询（不含培训）"),
    C("环保设备的研发与销售"),
    C("医疗器械（一类）的销售"),
    C("工艺美术品的销售"),
    C("初级农产品的种植与销售"),
    C("家政服务"),
};

static const clause licensed_clauses[] = {
    C("预包装食品的零售"),
    C("餐饮服务"),
    C("道路普通货物运输"),
    C("第二类医疗器械的销售"),
    C("互联网信息服务"),
    C("出版物零售"),
    C("烟草制品零售"),
    C("酒类的批发与零售"),
    C("药品零售"),
    C("劳务派遣"),
    C("建设工程施工"),
    C("人力资源服务"),
    C("保健食品的销售"),
    C("增值电信业务"),
    C("食品生产"),
    C("危险化学品经营（不含储存）"),
    C("特种设备安装改造修理"),
    C("停车场经营"),
};

/* How the generator names and types each entity; labels come from lk_entity. */
enum name_style { N_COMPANY, N_SHOP, N_PARTNERSHIP, N_SOLE, N_BRANCH, N_COOP };

typedef struct kind {
    const char *key;
    char category; /* USCC position 2 under authority 9 */
    unsigned per_mille;
    int name_style;
    int rural;
    const char *type_names[3]; /* NULL-terminated choices; a NULL pick leaves the default */
} kind;

static const kind kinds[] = {
    {"company",
     '1',
     550,
     N_COMPANY,
     0,
     {"有限责任公司（自然人投资或控股）", "有限责任公司（法人独资）", NULL}},
    {"individual", '2', 250, N_SHOP, 0, {"个体工商户", NULL, NULL}},
    {"partnership", '1', 50, N_PARTNERSHIP, 0, {"有限合伙企业", NULL, NULL}},
    {"sole_proprietorship", '1', 50, N_SOLE, 0, {"个人独资企业", NULL, NULL}},
    {"branch", '1', 60, N_BRANCH, 0, {"有限责任公司分公司（自然人投资或控股）", NULL, NULL}},
    {"cooperative", '3', 40, N_COOP, 1, {"农民专业合作社", NULL, NULL}},
};

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* ------------------------------------------------------------------------------------------ */
/* Randomness */

static uint64_t mix64(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t next(lk_gen *g)
{
    uint64_t x = g->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->state = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Uniform in [0, n) by multiply-shift: no division on the hot path. */
static uint32_t below(lk_gen *g, uint32_t n)
{
    return (uint32_t)(((next(g) >> 32) * n) >> 32);
}

static int chance(lk_gen *g, unsigned per_mille)
{
    return below(g, 1000) < per_mille;
}

#define PICK(g, arr) ((arr)[below((g), (uint32_t)N_OF(arr))])

void lk_gen_init(lk_gen *g, uint64_t seed)
{
    g->state = mix64(seed);
    if (g->state == 0) /* the one state xorshift never leaves */
        g->state = UINT64_C(0x9E3779B97F4A7C15);
}

/* ------------------------------------------------------------------------------------------ */
/* Text assembly */

typedef struct text {
    char *b;
    size_t n, cap;
} text;

static void put_len(text *t, const char *s, size_t k)
{
    if (t->n + k >= t->cap)
        k = t->cap - 1 - t->n; /* never reached with the buffers used here */
    memcpy(t->b + t->n, s, k);
    t->n += k;
    t->b[t->n] = '\0';
}

static void put(text *t, const char *s)
{
    put_len(t, s, strlen(s));
}

static void put_digits(text *t, uint64_t v, int width)
{
    char d[24];
    int i = (int)sizeof d - 1;
    d[i] = '\0';
    while (i > 0 && (v || width > 0)) {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
        width--;
    }
    if (d[i] == '\0')
        d[--i] = '0';
    put(t, d + i);
}

static int set_text(char **dst, const text *t)
{
    *dst = malloc(t->n + 1);
    if (!*dst)
        return -1;
    memcpy(*dst, t->b, t->n);
    (*dst)[t->n] = '\0';
    return 0;
}

static int set_str(char **dst, const char *s)
{
    size_t n = strlen(s) + 1;
    *dst = malloc(n);
    if (!*dst)
        return -1;
    memcpy(*dst, s, n);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Dates, as day numbers so that ranges and offsets stay real calendar dates */

static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

/* The day number as YYYYMMDD. */
static long civil_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return (y + (m <= 2)) * 10000 + (long)m * 100 + d;
}

static long day_of(long ymd)
{
    return days_from_civil(ymd / 10000, (unsigned)(ymd / 100 % 100), (unsigned)(ymd % 100));
}

/* A uniformly drawn day in [from, to], both YYYYMMDD; returns YYYYMMDD. */
static long random_day(lk_gen *g, long from, long to)
{
    long a = day_of(from), b = day_of(to);
    return civil_from_days(a + (long)below(g, (uint32_t)(b - a + 1)));
}

static void put_date(text *t, long ymd, int dashes)
{
    put_digits(t, (uint64_t)(ymd / 10000), 4);
    if (dashes)
        put(t, "-");
    put_digits(t, (uint64_t)(ymd / 100 % 100), 2);
    if (dashes)
        put(t, "-");
    put_digits(t, (uint64_t)(ymd % 100), 2);
}

static int set_date(char **dst, long ymd)
{
    char b[16];
    text t = {b, 0, sizeof b};
    put_date(&t, ymd, 1);
    return set_str(dst, b);
}

/* ------------------------------------------------------------------------------------------ */
/* Codes */

/* A bijection of 32-bit values, so distinct indices give distinct organisation codes while
 * neighbouring records do not get neighbouring codes. */
static uint32_t permute32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

static void make_uscc(char category, const char *division, uint64_t index, char out[19])
{
    out[0] = '9';
    out[1] = category;
    memcpy(out + 2, division, 6);
    /* 'M' then seven base-31 digits: 31^7 > 2^32, so the index fits without collision. */
    uint32_t x = permute32((uint32_t)index ^ 0xA5A5A5A5u);
    out[8] = 'M';
    for (int i = 15; i >= 9; i--) {
        out[i] = uscc_alphabet[x % 31];
        x /= 31;
    }
    out[16] = lk_orgcode_check_char(out + 8);
    out[17] = lk_uscc_check_char(out);
    out[18] = '\0';
}

void lk_gen_uscc(lk_gen *g, uint64_t index, char out[19])
{
    const region *r = &PICK(g, regions);
    make_uscc('1', r->uscc_code, index, out);
}

void lk_gen_idnum(lk_gen *g, char out[19])
{
    char b[24];
    text t = {b, 0, sizeof b};
    put(&t, PICK(g, birth_codes));
    put_date(&t, random_day(g, 19500101, 20041231), 0);
    put_digits(&t, 1 + below(g, 999), 3);
    memcpy(out, b, 17);
    out[17] = lk_idnum_check_char(out);
    out[18] = '\0';
}

static void passport(lk_gen *g, char out[10])
{
    char b[16];
    text t = {b, 0, sizeof b};
    put(&t, "E");
    put_digits(&t, below(g, 100000000), 8);
    memcpy(out, b, 10);
}

/* ------------------------------------------------------------------------------------------ */
/* Names, addresses, scope, capital */

static void person_name(lk_gen *g, text *t)
{
    put(t, PICK(g, surnames));
    put(t, PICK(g, given));
    if (chance(g, 700))
        put(t, PICK(g, given));
}

static void company_base(lk_gen *g, const region *r, text *t)
{
    put(t, r->city);
    put(t, PICK(g, brands));
    put(t, PICK(g, industries));
}

static void entity_name(lk_gen *g, const kind *k, const region *r, text *t)
{
    switch (k->name_style) {
    case N_SHOP:
        put(t, r->city);
        put(t, r->district);
        put(t, PICK(g, brands));
        put(t, PICK(g, shops));
        return;
    case N_PARTNERSHIP:
        put(t, r->city);
        put(t, PICK(g, brands));
        put(t, chance(g, 500) ? "投资合伙企业（有限合伙）" : "企业管理咨询合伙企业（有限合伙）");
        return;
    case N_SOLE:
        company_base(g, r, t);
        put(t, chance(g, 500) ? "服务部" : "经营部");
        return;
    case N_BRANCH:
        company_base(g, r, t);
        put(t, "有限公司");
        put(t, r->district);
        put(t, "分公司");
        return;
    case N_COOP:
        put(t, r->city);
        put(t, PICK(g, brands));
        put(t, PICK(g, crops));
        put(t, "专业合作社");
        return;
    default:
        company_base(g, r, t);
        put(t, "有限公司");
    }
}

static void address(lk_gen *g, const region *r, text *t)
{
    put(t, r->prefix);
    if (r->rural) {
        put(t, PICK(g, towns));
        put(t, PICK(g, brands));
        put(t, "村");
        put_digits(t, 1 + below(g, 12), 0);
        put(t, "组");
        return;
    }
    put(t, PICK(g, roads));
    put_digits(t, 1 + below(g, 3000), 0);
    put(t, "号");
    if (chance(g, 600)) {
        put(t, PICK(g, brands));
        put(t, PICK(g, buildings));
        put_digits(t, 1 + below(g, 40), 0);
        put(t, "层");
        put_digits(t, 1 + below(g, 30), 0);
        put_digits(t, below(g, 20), 2);
        put(t, "室");
    }
}

/* Mostly 100-600 characters, a tail towards the limit, and about 1% exactly at it. */
static size_t scope_target(lk_gen *g)
{
    uint32_t r = below(g, 1000);
    if (r < 10)
        return SCOPE_MAX_CHARS;
    if (r < 80)
        return 30 + below(g, 70);
    if (r < 920)
        return 100 + below(g, 500);
    return 600 + below(g, SCOPE_MAX_CHARS - 600);
}

/* Cuts t to `chars` code points, ending it with a full stop. */
static void cut_scope(text *t, size_t chars)
{
    size_t i = 0, cp = 0;
    while (i < t->n && cp < chars - 1) {
        i++;
        while (i < t->n && ((unsigned char)t->b[i] & 0xC0) == 0x80)
            i++;
        cp++;
    }
    t->n = i;
    t->b[i] = '\0';
    put(t, "。");
}

static size_t utf8_chars(const char *s)
{
    size_t cp = 0;
    for (; *s; s++)
        cp += ((unsigned char)*s & 0xC0) != 0x80;
    return cp;
}

static void add_clause(lk_gen *g, text *t, int *section, int target_bytes)
{
    if (*section == 1 && t->n > (size_t)target_bytes / 2 && chance(g, 600)) {
        put(t, "；许可经营项目是：");
        *section = 2;
    } else if (*section != 0) {
        put(t, "；");
    }
    const clause *c = *section == 2 ? &PICK(g, licensed_clauses) : &PICK(g, general_clauses);
    put_len(t, c->s, c->len);
    if (*section == 0)
        *section = 1;
}

/* Clauses are counted in bytes while assembling (every clause character takes three) and in
 * characters once at the end, where the exact limit matters. */
static void scope(lk_gen *g, text *t)
{
    size_t target = scope_target(g);
    int section = 0;
    put(t, "一般经营项目是：");
    while (t->n < 3 * target)
        add_clause(g, t, &section, (int)(3 * target));
    /* Fewer bytes than the limit in characters cannot reach it: skip the count. */
    size_t chars = t->n < SCOPE_MAX_CHARS ? t->n / 3 : utf8_chars(t->b);
    while (target == SCOPE_MAX_CHARS && chars < SCOPE_MAX_CHARS) {
        add_clause(g, t, &section, (int)(3 * target));
        chars = utf8_chars(t->b);
    }
    if (chars >= SCOPE_MAX_CHARS)
        cut_scope(t, SCOPE_MAX_CHARS);
    else
        put(t, "。");
}

/* An amount in units of 10,000 yuan, in the financial numerals the license prints. */
static void capital_words(unsigned wan, text *t)
{
    static const char *const digit[] = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};
    static const char *const unit[] = {"仟", "佰", "拾", ""};
    if (wan >= 10000) {
        put(t, "壹亿元整");
        return;
    }
    int started = 0, zero = 0;
    for (unsigned i = 0, div = 1000; i < 4; i++, div /= 10) {
        unsigned d = wan / div % 10;
        if (d == 0) {
            zero = started;
            continue;
        }
        if (zero)
            put(t, "零");
        put(t, digit[d]);
        put(t, unit[i]);
        started = 1, zero = 0;
    }
    put(t, "万元整");
}

static void capital(lk_gen *g, text *t)
{
    static const unsigned amounts[] = {3,   5,   10,  20,   30,   50,   100,  120,  200,
                                       300, 500, 800, 1000, 1050, 2000, 3000, 5000, 10000};
    unsigned wan = PICK(g, amounts);
    switch (below(g, 4)) {
    case 0:
        put(t, "人民币");
        capital_words(wan, t);
        return;
    case 1:
        capital_words(wan, t);
        return;
    case 2:
        put_digits(t, wan, 0);
        put(t, "万元人民币");
        return;
    default:
        put_digits(t, wan, 0);
        put(t, "万元");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Records */

static const kind *pick_kind(lk_gen *g)
{
    uint32_t r = below(g, 1000);
    for (size_t i = 0; i < N_OF(kinds); i++) {
        if (r < kinds[i].per_mille)
            return &kinds[i];
        r -= kinds[i].per_mille;
    }
    return &kinds[0];
}

static const region *pick_region(lk_gen *g, int rural)
{
    for (;;) {
        const region *r = &PICK(g, regions);
        if (r->rural == rural || (!rural && chance(g, 100)))
            return r;
    }
}

static int fill_person(lk_gen *g, lk_person *p, const char *role, int allow_passport)
{
    char b[64], num[19];
    text t = {b, 0, sizeof b};
    person_name(g, &t);
    int is_passport = allow_passport && chance(g, 50);
    if (is_passport)
        passport(g, num);
    else
        lk_gen_idnum(g, num);
    if (set_str(&p->role, role) || set_text(&p->name, &t) ||
        set_str(&p->doc_type, is_passport ? "passport" : "resident_id") ||
        set_str(&p->doc_number, num))
        return -1;
    return 0;
}

static int fill_people(lk_gen *g, lk_record *rec, const lk_entity_type *et)
{
    if (fill_person(g, &rec->holder, et->holder_label, 0))
        return -1;
    uint32_t r = below(g, 100);
    size_t n = r < 50 ? 0 : r < 85 ? 1 : 2;
    if (n == 0)
        return 0;
    if (!(rec->agents = calloc(n, sizeof *rec->agents)))
        return -1;
    rec->n_agents = n;
    for (size_t i = 0; i < n; i++)
        if (fill_person(g, &rec->agents[i], chance(g, 800) ? "委托代理人" : "经办人", 1))
            return -1;
    return 0;
}

static int fill_texts(lk_gen *g, lk_record *rec, const kind *k, const region *r)
{
    char b[SCOPE_MAX_CHARS * 4 + 256];
    text t = {b, 0, sizeof b};
    entity_name(g, k, r, &t);
    if (set_text(&rec->name, &t))
        return -1;
    t.n = 0;
    address(g, r, &t);
    if (set_text(&rec->address, &t))
        return -1;
    t.n = 0;
    scope(g, &t);
    if (set_text(&rec->scope, &t) || set_str(&rec->authority, r->authority))
        return -1;
    const char *type_name = k->type_names[below(g, 3)];
    return type_name && chance(g, 700) ? set_str(&rec->type_name, type_name) : 0;
}

static int fill_dates(lk_gen *g, lk_record *rec, const lk_entity_type *et)
{
    long est = random_day(g, 19950101, LAST_DAY);
    long reg = chance(g, 500) ? est : random_day(g, est, LAST_DAY);
    if (set_date(&rec->established, est) || set_date(&rec->registered, reg))
        return -1;
    if (!et->term_label)
        return 0;
    if (set_date(&rec->term_from, est))
        return -1;
    if (chance(g, 550))
        return 0; /* 长期 */
    static const long years[] = {10, 20, 30, 50};
    long to = est + PICK(g, years) * 10000;
    if (to % 10000 == 229)
        to -= 1; /* 29 February of a year that may not have one */
    return set_date(&rec->term_to, to);
}

static void put_hex(text *t, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char b[17];
    for (int i = 15; i >= 0; i--, v >>= 4)
        b[i] = hex[v & 15];
    b[16] = '\0';
    put(t, b);
}

/* Mostly the gsxt URL, sometimes a provincial opaque token, sometimes none (fallback). */
static int fill_qr(lk_gen *g, lk_record *rec)
{
    static const char *const provinces[] = {"zj", "gd", "bj", "sh", "js", "sc"};
    uint32_t r = below(g, 100);
    if (r < 25)
        return 0;
    char b[192];
    text t = {b, 0, sizeof b};
    if (r < 85) {
        put(&t, "http://www.gsxt.gov.cn/index.html?uniscid=");
        put(&t, rec->uscc);
    } else {
        put(&t, "http://");
        put(&t, PICK(g, provinces));
        put(&t, ".gsxt.gov.cn/%7B");
        put_hex(&t, next(g));
        put_hex(&t, next(g));
        put(&t, "-");
        put_digits(&t, UINT64_C(1400000000000) + next(g) % UINT64_C(350000000000), 13);
        put(&t, "%7D");
    }
    return set_text(&rec->qr_payload, &t);
}

static int fill_extras(lk_gen *g, lk_record *rec, const lk_entity_type *et)
{
    char b[96];
    text t = {b, 0, sizeof b};
    if (et->capital_label) {
        capital(g, &t);
        if (set_text(&rec->capital, &t))
            return -1;
    }
    if (et->has_composition && set_str(&rec->composition, chance(g, 700) ? "个人经营" : "家庭经营"))
        return -1;
    if (set_str(&rec->status, chance(g, 30) ? "revoked" : "approved"))
        return -1;
    rec->duplicates = 1 + (int)below(g, 3);
    return fill_qr(g, rec);
}

int lk_gen_record(lk_gen *g, uint64_t index, lk_record **out)
{
    if (!g || !out)
        return LK_EINVAL;
    *out = NULL;
    /* A private stream per record: record i never depends on which records came before. */
    lk_gen r = {mix64(g->state ^ mix64(index))};
    if (r.state == 0)
        r.state = 1;
    const kind *k = pick_kind(&r);
    const lk_entity_type *et = lk_entity_find(k->key);
    if (!et)
        return LK_ENOTSUP;
    const region *rg = pick_region(&r, k->rural);
    char uscc[19];
    make_uscc(k->category, rg->uscc_code, index, uscc);
    lk_record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return LK_ENOMEM;
    if (set_str(&rec->uscc, uscc) || set_str(&rec->entity_type, k->key) ||
        fill_texts(&r, rec, k, rg) || fill_people(&r, rec, et) || fill_dates(&r, rec, et) ||
        fill_extras(&r, rec, et)) {
        lk_record_free(rec);
        return LK_ENOMEM;
    }
    *out = rec;
    return 0;
}

int lk_gen_write_jsonl(FILE *f, uint64_t count, uint64_t seed)
{
    lk_gen g;
    lk_gen_init(&g, seed);
    for (uint64_t i = 0; i < count; i++) {
        lk_record *rec = NULL;
        int rc = lk_gen_record(&g, i, &rec);
        if (rc)
            return rc;
        char *line = lk_record_to_json(rec, 0);
        lk_record_free(rec);
        if (!line)
            return LK_ENOMEM;
        int bad = fputs(line, f) == EOF || putc('\n', f) == EOF;
        free(line);
        if (bad)
            return LK_EIO;
    }
    return fflush(f) == 0 ? 0 : LK_EIO;
}
