"""Schematic geography of Futian District made from the street centroids.

The street cells are Voronoi cells of the street centroids clipped to the district's bounding
box. They are schematic, not official boundaries; an official boundary file can be configured.
The bundled district network (data_access/districts/futian) holds the same streets and communities.
"""

from __future__ import annotations

import shapely
from shapely.geometry import box, mapping

from data_access import district

# District bounding box in WGS84 (lon_min, lat_min, lon_max, lat_max).
DISTRICT_BBOX = (113.98559, 22.50223, 114.10006, 22.59025)
DISTRICT_CODE = "440304"

# (id, name_zh, name_en, lat, lon, ((community_zh, community_en), ...)), WGS84 centroids.
STREETS = (
    ("yuanling", "园岭", "Yuanling", 22.55934, 114.09126, (
        ("园东", "Yuandong"),
        ("红荔", "Hongli"),
        ("南天", "Nantian"),
        ("长城", "Changcheng"),
        ("上林", "Shanglin"),
        ("鹏盛", "Pengsheng"),
        ("华林", "Hualin"),
    )),
    ("nanyuan", "南园", "Nanyuan", 22.53741, 114.08813, (
        ("南园", "Nanyuan"),
        ("东园巴登", "Dongyuanbadeng"),
        ("园西", "Yuanxi"),
        ("滨江", "Binjiang"),
        ("南华", "Nanhua"),
        ("沙埔头", "Shaputou"),
        ("玉田", "Yutian"),
        ("锦龙", "Jinlong"),
        ("赤尾", "Chiwei"),
        ("滨河", "Binhe"),
    )),
    ("futian", "福田", "Futian", 22.53197, 114.06293, (
        ("福田", "Futian"),
        ("岗厦", "Gangsha"),
        ("皇岗", "Huanggang"),
        ("水围", "Shuiwei"),
        ("渔农", "Yunong"),
        ("福华", "Fuhua"),
        ("圩镇", "Weizhen"),
        ("福山", "Fushan"),
        ("福安", "Fuan"),
        ("福民", "Fumin"),
        ("海滨", "Haibin"),
        ("口岸", "Kouan"),
    )),
    ("shatou", "沙头", "Shatou", 22.52752, 114.02273, (
        ("上沙", "Shangsha"),
        ("下沙", "Xiasha"),
        ("沙嘴", "Shazui"),
        ("沙尾", "Shawei"),
        ("新洲", "Xinzhou"),
        ("新沙", "Xinsha"),
        ("天安", "Tianan"),
        ("金城", "Jincheng"),
        ("金碧", "Jinbi"),
        ("翠湾", "Cuiwan"),
        ("金地", "Jindi"),
        ("新华", "Xinhua"),
    )),
    ("meilin", "梅林", "Meilin", 22.57366, 114.03440, (
        ("梅林一村", "Meilinyicun"),
        ("龙尾", "Longwei"),
        ("上梅", "Shangmei"),
        ("新兴", "Xinxing"),
        ("下梅", "Xiamei"),
        ("梅河", "Meihe"),
        ("梅都", "Meidou"),
        ("孖岭", "Maling"),
        ("新阁", "Xinge"),
        ("翰岭", "Hanling"),
        ("梅亭", "Meiting"),
        ("梅京", "Meijing"),
        ("梅丰", "Meifeng"),
    )),
    ("huafu", "华富", "Huafu", 22.55857, 114.07240, (
        ("梅岗", "Meigang"),
        ("华山", "Huashan"),
        ("新田", "Xintian"),
        ("田面", "Tianmian"),
        ("莲花一村", "Lianhuayicun"),
        ("莲花二村", "Lianhuaercun"),
        ("莲花三村", "Lianhuasancun"),
    )),
    ("xiangmihu", "香蜜湖", "Xiangmihu", 22.54751, 114.01308, (
        ("香安", "Xiangan"),
        ("香梅", "Xiangmei"),
        ("香岭", "Xiangling"),
        ("竹林", "Zhulin"),
        ("竹园", "Zhuyuan"),
        ("农园", "Nongyuan"),
        ("香蜜", "Xiangmi"),
        ("东海", "Donghai"),
        ("侨香", "Qiaoxiang"),
    )),
    ("lianhua", "莲花", "Lianhua", 22.55413, 114.04769, (
        ("景田", "Jingtian"),
        ("狮岭", "Shiling"),
        ("梅富", "Meifu"),
        ("康欣", "Kangxin"),
        ("福新", "Fuxin"),
        ("紫荆", "Zijing"),
        ("福中", "Fuzhong"),
        ("莲花北", "Lianhuabei"),
        ("彩田", "Caitian"),
        ("景华", "Jinghua"),
        ("梅岭", "Meiling"),
        ("彩虹", "Caihong"),
    )),
    ("huaqiangbei", "华强北", "Huaqiangbei", 22.54804, 114.08713, (
        ("福强", "Fuqiang"),
        ("荔村", "Licun"),
        ("通新岭", "Tongxinling"),
        ("华红", "Huahong"),
        ("华航", "Huahang"),
    )),
    ("fubao", "福保", "Fubao", 22.51467, 114.04858, (
        ("福保", "Fubao"),
        ("益田", "Yitian"),
        ("明月", "Mingyue"),
        ("石厦", "Shisha"),
        ("新港", "Xingang"),
    )),
)


def district_outline() -> shapely.Polygon:
    return box(*DISTRICT_BBOX)


def street_cells() -> dict[str, shapely.Polygon]:
    """The schematic cell of each street: its Voronoi cell clipped to the district outline."""
    centroids = {sid: (lat, lon) for sid, _, _, lat, lon, _ in STREETS}
    return district.schematic_cells(mapping(district_outline()), centroids)


geometry_json = district.geometry_json
